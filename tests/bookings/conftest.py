"""Fixtures shared by the desk's tests: Ada, a library assistant who works the desk, logged in."""

import pytest

from tests.factories import StaffMemberFactory, UserFactory


@pytest.fixture
def desk_user(db):
    """A library assistant who works the desk."""
    return StaffMemberFactory(user=UserFactory(username="ada", first_name="Ada", role="Library assistant"))


@pytest.fixture
def desk_client(client, desk_user):
    client.force_login(desk_user.user)
    return client
