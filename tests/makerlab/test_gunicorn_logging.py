"""gunicorn, started for real with the project's configuration, logs no private token: its access log, its error log
and everything the site prints show ``[redacted]`` instead."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from makerlab.logging import REDACTED

SECRET = "Zq7Secret_Token-Value0123456789ab"
# Longest the server may live, even when the test is stopped half-way: it stops itself after this.
LIFETIME_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _test_database_url() -> str:
    """The address of the test database, so the server answers as the site would (404 for an unknown token)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", path, headers=headers or {})
        response = client.getresponse()
        response.read()
        return response.status
    finally:
        client.close()


def _serving(process: subprocess.Popen, port: int, output: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped with {process.returncode}:\n{output.read_text()[-3000:]}")
        try:
            _get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within 30 seconds:\n{output.read_text()[-3000:]}")


@pytest.fixture
def gunicorn(db, tmp_path):
    """gunicorn serving the site with ``-c gunicorn.conf.py`` as README runs it: (port, access log, other output)."""
    port = _free_port()
    access, errors, output = tmp_path / "access.log", tmp_path / "error.log", tmp_path / "output.log"
    command = [
        "timeout",
        str(LIFETIME_SECONDS),
        sys.executable,
        "-m",
        "gunicorn",
        "makerlab.wsgi",
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        str(access),
        "--error-logfile",
        str(errors),
    ]
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    with output.open("w") as printed:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=printed, stderr=subprocess.STDOUT
        )
        try:
            _serving(process, port, output)
            yield port, access, [errors, output]
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _lines_with(path: Path, text: str, *, count: int) -> list[str]:
    """The log's lines holding ``text``, waiting briefly: gunicorn writes the line after sending the answer."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in path.read_text().splitlines() if text in line]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_gunicorn_logs_private_links_and_codes_redacted(gunicorn):
    port, access, others = gunicorn
    assert _get(port, f"/book/manage/{SECRET}/") == 404
    assert _get(port, f"/staff/check-in/?code={SECRET}") in (302, 200)
    _get(port, "/", headers={"Referer": f"http://127.0.0.1:{port}/survey/{SECRET}/"})
    lines = _lines_with(access, REDACTED, count=3)
    assert len(lines) == 3, access.read_text()
    assert any(f"/book/manage/{REDACTED}/" in line for line in lines)
    assert any(f"/staff/check-in/?code={REDACTED}" in line for line in lines)
    assert any(f"/survey/{REDACTED}/" in line for line in lines)
    for log in [access, *others]:
        assert SECRET not in log.read_text(), log.name
