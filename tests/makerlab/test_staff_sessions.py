"""Staff log in on shared desk computers: a session ends after a working day without use, and with the browser
unless the person asks to stay logged in; patrons' sessions (seed basket, My Maker Lab) keep their own lifetime."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import PatronFactory, VarietyFactory, lendable_lot

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
IDLE = dt.timedelta(hours=10)


def log_in(client, **extra):
    response = client.post(LOGIN, {"username": "assistant", "password": PASSWORD, **extra})
    assert response.status_code == 302
    return response


def session_cookie(response):
    return response.cookies[settings.SESSION_COOKIE_NAME]


def test_the_login_form_offers_to_stay_logged_in_unticked(client):
    html = client.get(LOGIN).content.decode()
    assert "Keep me logged in on this computer" in html
    box = re.search(r'<input type="checkbox" name="keep_logged_in"[^>]*>', html).group(0)
    assert "checked" not in box


def test_by_default_the_session_ends_with_the_browser_and_after_a_working_day(client, assistant):
    response = log_in(client)
    cookie = session_cookie(response)
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == IDLE.total_seconds()


def test_keep_me_logged_in_keeps_the_cookie_for_a_working_day_only(client, assistant):
    response = log_in(client, keep_logged_in="on")
    assert session_cookie(response)["max-age"] == int(IDLE.total_seconds())
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == IDLE.total_seconds()


def test_the_working_day_is_a_setting(client, assistant, settings):
    settings.STAFF_SESSION_IDLE_HOURS = 4
    log_in(client, keep_logged_in="on")
    assert client.session.get_expiry_age() == 4 * 3600


@pytest.mark.parametrize("keep", ["", "on"])
def test_a_session_left_idle_past_the_working_day_asks_to_log_in_again(client, assistant, now, time_machine, keep):
    log_in(client, keep_logged_in=keep)
    assert client.get("/staff/").status_code == 200
    time_machine.move_to(now + IDLE + dt.timedelta(minutes=1), tick=False)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_using_the_site_keeps_the_session_open(client, assistant, now, time_machine):
    log_in(client)
    for hours in (8, 16, 24):
        time_machine.move_to(now + dt.timedelta(hours=hours), tick=False)
        assert client.get("/staff/").status_code == 200


def test_a_hostile_box_value_with_a_wrong_password_logs_nobody_in(client, assistant):
    response = client.post(LOGIN, {"username": "assistant", "password": "wrong", "keep_logged_in": "<script>"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_seed_basket_keeps_its_own_lifetime(client, branch):
    variety = lendable_lot(branch=branch, packets=3, variety=VarietyFactory(common_name="Bean")).variety
    response = client.post(reverse("seeds:basket_add"), {"variety": str(variety.pk), "back": "/seeds/"})
    assert session_cookie(response)["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_my_maker_lab_keeps_its_own_lifetime(client, django_capture_on_commit_callbacks):
    doris = PatronFactory(first_name="Doris", email="doris@example.net")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mylab:start"), {"card_number": doris.card_number, "email": doris.email})
    link = re.search(r"http://testserver(/my/sign-in/[^/\s]+/)", mail.outbox[-1].body).group(1)
    response = client.post(link)
    assert session_cookie(response)["max-age"] == settings.SESSION_COOKIE_AGE
    assert "Hello Doris" in client.get(reverse("mylab:start"), follow=True).content.decode()


def test_the_admin_login_ends_with_the_browser_and_after_a_working_day(client, coordinator):
    response = client.post("/admin/login/?next=/admin/", {"username": "coordinator", "password": PASSWORD})
    assert response.status_code == 302
    assert session_cookie(response)["max-age"] == ""
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == IDLE.total_seconds()
