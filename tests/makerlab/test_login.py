import pytest
from axes.models import AccessAttempt

from tests.conftest import PASSWORD


def test_staff_log_in_and_out(client, assistant):
    response = client.post("/accounts/login/", {"username": "assistant", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert "Log out" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "Staff login" in client.get("/").content.decode()


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "assistant", "password": "wrong"},
        {"username": "", "password": ""},
        {"username": "' OR 1=1 --", "password": "x"},
        {"username": "<script>alert(1)</script>", "password": "x"},
        {"username": "a" * 5000, "password": "b" * 5000},
        {"username": "assistant\x00", "password": PASSWORD},
    ],
)
def test_bad_logins_get_a_clear_message_and_no_session(client, assistant, credentials):
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert any(
        text in html
        for text in (
            "Please enter a correct username and password",
            "This field is required",
            "Null characters",
            "at most 150 characters",
        )
    )
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_lock_the_login(client, assistant, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "assistant", "password": "guess"})
    response = client.post("/accounts/login/", {"username": "assistant", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="assistant").exists()


def test_the_admin_login_is_protected_too(client, coordinator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "coordinator", "password": "guess"})
    response = client.post("/admin/login/", {"username": "coordinator", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_over_long_admin_login_is_refused_cleanly(client, coordinator):
    response = client.post("/admin/login/", {"username": "a" * 5000, "password": "b"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
