"""WIDGET_FRAME_ANCESTORS: the library's website origins, refused at startup when one is not an origin."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def widget_origins(value: str | None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "WIDGET_FRAME_ANCESTORS"}}
    env = {**base, "DEBUG": "true"} | ({} if value is None else {"WIDGET_FRAME_ANCESTORS": value})
    return subprocess.run(
        [sys.executable, "-c", "import makerlab.settings as s; print(' '.join(s.WIDGET_FRAME_ANCESTORS))"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_by_default_only_this_site_may_frame_the_widget():
    result = widget_origins(None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["'self'"]


def test_the_websites_origins_are_read_as_a_list():
    result = widget_origins("https://www.example-library.ca, HTTPS://Example-Library.ca/,http://localhost:8080,'self'")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "'self'",
        "https://www.example-library.ca",
        "https://example-library.ca",
        "http://localhost:8080",
    ]


@pytest.mark.parametrize(
    "value",
    [
        "www.example-library.ca",
        "https://www.example-library.ca/whats-on",
        "https://www.example-library.ca?x=1",
        "https://*.example-library.ca",
        "*",
        "'none'",
        "ftp://example-library.ca",
        "javascript:alert(1)",
        "https://example-library.ca; script-src *",
        "https://user@example-library.ca",
    ],
)
def test_a_value_that_is_not_an_origin_is_refused_at_startup(value):
    result = widget_origins(value)
    assert result.returncode != 0
    assert "WIDGET_FRAME_ANCESTORS" in result.stderr and "is not a website origin" in result.stderr


def test_the_deploy_check_stays_clean_with_a_website_allowed():
    drop = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "WIDGET_FRAME_ANCESTORS"}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "kq3Z-8vN_p2Lr7Tx0WcYb5Hs9MdJf4Ge1AuQiRo6EtKlVnXyBz-ci",
        "ALLOWED_HOSTS": "makerlab.library.example",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "WIDGET_FRAME_ANCESTORS": "https://www.example-library.ca",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**base, **production},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
