"""`check --deploy` warns when the limits on public forms would be counted per process, not for the site."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/9"}}


def deploy_check_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_production_on_local_memory_is_warned(settings):
    settings.DEBUG = False
    settings.CACHES = LOCAL_MEMORY
    assert "makerlab.W010" in deploy_check_ids()


def test_production_on_redis_is_not_warned(settings):
    settings.DEBUG = False
    settings.CACHES = REDIS
    assert "makerlab.W010" not in deploy_check_ids()


def test_development_on_local_memory_is_not_warned(settings):
    settings.DEBUG = True
    settings.CACHES = LOCAL_MEMORY
    assert "makerlab.W010" not in deploy_check_ids()


def test_only_the_deploy_check_warns(settings):
    settings.DEBUG = False
    settings.CACHES = LOCAL_MEMORY
    assert "makerlab.W010" not in {message.id for message in run_checks()}


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    # The browser tests of the same worker allow async-unsafe calls, which the deploy check refuses.
    drop = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    production = {"DEBUG": "false", "SECRET_KEY": "kq3Z-8vN_p2Lr7Tx0WcYb5Hs9MdJf4Ge1AuQiRo6EtKlVnXyBz-ci"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**base, **production, "ALLOWED_HOSTS": "makerlab.library.example", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deploy_check_without_redis_says_what_to_do():
    result = deploy_check()
    assert result.returncode != 0
    assert "makerlab.W010" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_the_deploy_check_with_redis_is_clean():
    result = deploy_check(REDIS_URL="redis://127.0.0.1:6379/9")
    assert result.returncode == 0, result.stderr
