"""Databases cloned from a template, so tests that need the whole demo do not each spend seconds building it.

The demo is loaded once per test run, at the suite's moment, into a template database: the first parallel
worker that needs it builds it under an advisory lock while the others wait, then every worker clones it.
Each test that asks for ``demo`` gets a fresh copy made by PostgreSQL (``CREATE DATABASE ... TEMPLATE``) and
dropped after the test, so nothing one test does reaches another. The run's controller drops the template
before and after the run, so a template from another moment is never reused.
"""

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest
import time_machine
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from psycopg2 import sql

READY = "Maker Lab demo, ready"


@functools.cache
def demo_template_name() -> str:
    """One template for the whole run, named after the test database every worker's own is named from.

    Read once, at configure time: once a test database exists, the settings name it instead."""
    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{name.removesuffix(f'_{worker}') if worker else name}_demo"


def pytest_configure(config: pytest.Config) -> None:
    demo_template_name()


@contextmanager
def _server() -> Iterator[psycopg2.extensions.cursor]:
    """A cursor on the test server's maintenance database, outside any test transaction."""
    database = settings.DATABASES["default"]
    server = psycopg2.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
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
        # Copying the files is faster than writing the copy through the log (PostgreSQL 15's default); 14 only copies.
        strategy = sql.SQL(" STRATEGY FILE_COPY" if cursor.connection.server_version >= 150000 else "")
        cursor.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}{}").format(sql.Identifier(name), sql.Identifier(template), strategy)
        )


def database_drop(name: str) -> None:
    with _server() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _ready(cursor, name: str) -> bool:
    cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
    row = cursor.fetchone()
    return row is not None and row[0] == READY


@contextmanager
def connected_to(name: str) -> Iterator[None]:
    """Point the default connection at database ``name`` for a while.

    The content-type cache is emptied on the way in and out: its ids are one database's, and a test flush in the
    other gives the same models new ids."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    ContentType.objects.clear_cache()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        ContentType.objects.clear_cache()


def _demo_build(*, template: str, source: str) -> None:
    from tests.conftest import SUITE_MOMENT

    database_clone(template=source, name=template)
    # As in development: the board list is set, and still the demo's closed months email no one.
    board = override_settings(BOARD_REPORT_EMAILS=["board@library.example"])
    with connected_to(template), time_machine.travel(SUITE_MOMENT, tick=False), board:
        call_command("load_demo", force=True, verbosity=0)


@pytest.fixture(scope="session")
def demo_template(django_db_setup, django_db_blocker) -> str:
    """The run's database holding the demo as ``load_demo`` builds it at the suite's moment."""
    template = demo_template_name()
    source = connection.settings_dict["NAME"]
    with django_db_blocker.unblock(), _server() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        try:
            if not _ready(cursor, template):
                connection.close()
                _demo_build(template=template, source=source)
                cursor.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(template)), [READY])
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
    return template


@pytest.fixture
def demo(demo_template, django_db_blocker) -> Iterator[None]:
    """The whole demo, in a database of this test's own (set up before the test's transaction begins)."""
    clone = f"{demo_template}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with django_db_blocker.unblock():
        database_clone(template=demo_template, name=clone)
    with connected_to(clone):
        yield
    with django_db_blocker.unblock():
        database_drop(clone)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Connect to the demo's copy before pytest-django opens the test's transaction on the connection."""
    fixturenames = getattr(item, "fixturenames", None)
    if fixturenames and "demo" in fixturenames:
        fixturenames.remove("demo")
        fixturenames.insert(0, "demo")


def _in_controller(session: pytest.Session) -> bool:
    """The process that runs the whole session: the only one without xdist, else xdist's controller."""
    return not hasattr(session.config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _in_controller(session):
        database_drop(demo_template_name())


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _in_controller(session):
        database_drop(demo_template_name())
