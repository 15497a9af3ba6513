"""A staff page reads the session and the person's permissions from the cache after the first page, and a
change of role still counts from the next page on."""

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BranchFactory


def tables_read(client, url: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return " ".join(query["sql"] for query in queries.captured_queries)


def test_staff_pages_read_permissions_and_the_session_from_the_cache(client, coordinator):
    BranchFactory()
    client.force_login(coordinator)
    url = reverse("frontdesk:start")
    for _ in range(2):
        tables = tables_read(client, url)
        assert "auth_permission" not in tables and "django_session" not in tables


def test_a_person_taken_out_of_their_role_loses_its_pages_at_once(client, coordinator):
    BranchFactory()
    client.force_login(coordinator)
    schedule = reverse("stats_dashboard:dashboard")
    assert client.get(schedule).status_code == 200
    coordinator.groups.remove(Group.objects.get(name="Coordinator"))
    assert client.get(schedule).status_code in (302, 403)


def test_a_role_given_a_permission_has_it_at_the_next_page(client, assistant):
    BranchFactory()
    client.force_login(assistant)
    schedule = reverse("stats_dashboard:dashboard")
    assert client.get(schedule).status_code in (302, 403)
    assistant.groups.add(Group.objects.get(name="Coordinator"))
    assert client.get(schedule).status_code == 200


def test_the_account_is_read_from_the_cache_from_the_first_page_on(client, coordinator):
    BranchFactory()
    client.force_login(coordinator)
    url = reverse("frontdesk:start")
    for _ in range(2):
        assert 'FROM "auth_user" WHERE "auth_user"."id" =' not in tables_read(client, url)


def test_a_deactivated_account_is_logged_out_at_its_next_page(client, coordinator):
    BranchFactory()
    client.force_login(coordinator)
    url = reverse("frontdesk:start")
    assert client.get(url).status_code == 200
    coordinator.is_active = False
    coordinator.save()
    answer = client.get(url)
    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_a_new_password_ends_the_sessions_that_used_the_old_one(client, coordinator):
    BranchFactory()
    client.force_login(coordinator)
    url = reverse("frontdesk:start")
    assert client.get(url).status_code == 200
    coordinator.set_password("a-brand-new-passphrase")
    coordinator.save(update_fields=["password"])
    assert client.get(url).status_code == 302
