"""Databases cloned from templates, so tests that need the whole demo do not each spend seconds building it.

The demo is loaded once per test run (once per xdist worker), at the suite's moment, into a template database;
each test that asks for ``demo`` gets a fresh copy made by PostgreSQL (``CREATE DATABASE ... TEMPLATE``) and
dropped after the test, so nothing one test does reaches another.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from psycopg2 import sql


@contextmanager
def _server() -> Iterator[psycopg2.extensions.cursor]:
    """A cursor on the test server's maintenance database, outside any test transaction."""
    settings = connection.settings_dict
    server = psycopg2.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
    )
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            yield cursor
    finally:
        server.close()


def database_clone(*, template: str, name: str) -> None:
    """A new database ``name`` copied from ``template``, which nobody may be connected to."""
    with _server() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def database_drop(name: str) -> None:
    with _server() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def connected_to(name: str) -> Iterator[None]:
    """Point the default connection at database ``name`` for a while."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


@pytest.fixture(scope="session")
def demo_template(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A database holding the demo as ``load_demo`` builds it at the suite's moment."""
    from tests.conftest import SUITE_MOMENT

    test_database = connection.settings_dict["NAME"]
    template = f"{test_database}_demo"
    with django_db_blocker.unblock():
        connection.close()
        database_clone(template=test_database, name=template)
        # As in development: the board list is set, and still the demo's closed months email no one.
        board = override_settings(BOARD_REPORT_EMAILS=["board@library.example"])
        with connected_to(template), time_machine.travel(SUITE_MOMENT, tick=False), board:
            call_command("load_demo", force=True, verbosity=0)
    yield template
    with django_db_blocker.unblock():
        database_drop(template)


@pytest.fixture
def demo(demo_template, django_db_blocker) -> Iterator[None]:
    """The whole demo, in a database of this test's own (set up before the test's transaction begins)."""
    clone = f"{demo_template}_copy"
    with django_db_blocker.unblock():
        database_clone(template=demo_template, name=clone)
    with connected_to(clone):
        yield
    with django_db_blocker.unblock():
        database_drop(clone)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Connect to the demo's copy before pytest-django opens the test's transaction on the connection, and
    keep the demo's tests on one parallel worker, which then builds the template once for all of them."""
    for item in items:
        fixturenames = getattr(item, "fixturenames", None)
        if fixturenames and "demo" in fixturenames:
            fixturenames.remove("demo")
            fixturenames.insert(0, "demo")
            item.add_marker(pytest.mark.xdist_group("demo"))
