"""Settings read from the environment fail loudly on what would be unsafe in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONG_KEY = "kq3Z-8vN_p2Lr7Tx0WcYb5Hs9MdJf4Ge1AuQiRo6EtKlVnXyBz"  # 50 characters


def load_settings(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_URL"}}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import makerlab.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.EMAIL_BACKEND)",
        ],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = load_settings()
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_defaults_are_secure():
    result = load_settings(SECRET_KEY=LONG_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "django.core.mail.backends.smtp.EmailBackend"]


def test_development_writes_mail_to_files():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "django.core.mail.backends.filebased.EmailBackend"]


def test_only_postgresql_is_accepted():
    result = load_settings(DEBUG="true", DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


@pytest.mark.parametrize("days", ["0", "-5"])
def test_safety_reports_are_kept_at_least_a_day(days):
    result = load_settings(DEBUG="true", SAFETY_REPORT_RETENTION_DAYS=days)
    assert result.returncode != 0
    assert "SAFETY_REPORT_RETENTION_DAYS must be 1 or more" in result.stderr


def test_a_malformed_boolean_fails_loudly():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0


def manage_check(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**base, "ALLOWED_HOSTS": "makerlab.library.example", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "weak_key",
    [LONG_KEY[:49], "change-me", "x" * 60, "abcd" * 20, "django-insecure-" + LONG_KEY],
    ids=["49-characters", "short", "one-character", "four-characters", "django-insecure"],
)
def test_production_refuses_to_start_with_a_weak_secret_key(weak_key):
    result = manage_check(DEBUG="false", SECRET_KEY=weak_key)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr
    assert weak_key not in result.stderr


def test_production_starts_with_a_long_random_secret_key():
    result = manage_check(DEBUG="false", SECRET_KEY=LONG_KEY)
    assert result.returncode == 0, result.stderr


def test_development_accepts_a_short_secret_key():
    result = manage_check(DEBUG="true", SECRET_KEY="dev")
    assert result.returncode == 0, result.stderr
