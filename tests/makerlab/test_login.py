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


# Behind the library's one reverse proxy every request comes from the proxy's address; the proxy appends the
# address it saw to X-Forwarded-For, after whatever the client sent itself.
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
STAFF_DESK = "198.51.100.7"


def post_login_through_proxy(client, client_address: str, password: str, *, forged: str = ""):
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return client.post(
        "/accounts/login/",
        {"username": "coordinator", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.parametrize("forged", ["", STAFF_DESK], ids=["plain", "forging-the-desk-address"])
def test_failures_from_one_address_behind_the_proxy_do_not_lock_out_another(client, coordinator, settings, forged):
    settings.PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login_through_proxy(client, ATTACKER, "guess", forged=forged)
    assert post_login_through_proxy(client, ATTACKER, PASSWORD, forged=forged).status_code == 429

    response = post_login_through_proxy(client, STAFF_DESK, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
