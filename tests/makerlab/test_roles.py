import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import PASSWORD

ROLES = ["Coordinator", "Library assistant", "Volunteer", "Manager", "Board"]


def test_the_roles_exist(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


@pytest.mark.django_db(transaction=True)
def test_roles_are_granted_again_once_after_a_flush_empties_the_tables():
    granted = {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()}
    with CaptureQueriesContext(connection) as captured:
        call_command("flush", interactive=False, verbosity=0)
    assert {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()} == (
        granted
    )
    assert "change_branch" in granted["Coordinator"]
    role_lookups = [query for query in captured.captured_queries if 'FROM "auth_group" WHERE' in query["sql"]]
    assert len(role_lookups) == len(ROLES)


def test_coordinator_runs_branches_and_reads_the_outbox(coordinator):
    assert coordinator.has_perms(["makerlab.change_branch", "makerlab.add_closure", "makerlab.view_notification"])
    assert not coordinator.has_perm("makerlab.delete_patron")
    assert not coordinator.has_perm("auth.change_user")


def test_assistant_looks_up_and_registers_patrons_but_does_not_change_branches(assistant):
    assert assistant.has_perms(["makerlab.view_patron", "makerlab.add_patron", "makerlab.change_patron"])
    assert not assistant.has_perm("makerlab.change_branch")
    assert not assistant.has_perm("makerlab.view_notification")


def test_volunteer_and_board_see_no_patron_data(volunteer, board_member):
    for user in (volunteer, board_member):
        assert not user.has_perm("makerlab.view_patron")


@pytest.mark.parametrize(
    ("persona", "url", "status"),
    [
        ("coordinator", "/admin/makerlab/branch/add/", 200),
        ("coordinator", "/admin/makerlab/notification/", 200),
        ("assistant", "/admin/makerlab/patron/", 200),
        ("assistant", "/admin/makerlab/branch/add/", 403),
        ("assistant", "/admin/makerlab/notification/", 403),
    ],
)
def test_admin_pages_follow_the_roles(db, client, request, persona, url, status):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    if status == 403:
        assert "You do not have access to this page" in response.content.decode()


def test_volunteers_cannot_enter_the_admin(client, volunteer):
    response = client.post("/accounts/login/", {"username": "volunteer", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
