"""Settings read from the environment fail loudly on what would be unsafe in production."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
    result = load_settings(SECRET_KEY="x" * 60)
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


def test_a_malformed_boolean_fails_loudly():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
