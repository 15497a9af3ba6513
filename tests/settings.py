"""Test settings: the production settings with fast hashing, captured email and no HTTPS redirects."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")

from makerlab.settings import *  # noqa: F403
from makerlab.settings import BASE_DIR, DATABASES, SILENCED_SYSTEM_CHECKS, STORAGES, TEMPLATES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]
SITE_URL = "http://testserver"
# Tasks queued on commit run in the test process; tests of the broker itself switch this off.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# One cache per test process: parallel test workers never share rate limits or cached pages.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_USE_CACHE = "default"
# A test's writes never commit, so their version bumps never run: the page cache's own tests switch it on and
# run the bumps (tests/makerlab/test_pagecache.py).
PAGE_CACHE = False
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]
# A statement that runs this long has met a bad plan (a table the planner believes empty): fail, never hang.
# Test data need not survive a crash of the server, so commits do not wait for the disk.
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "options": f"{DATABASES['default']['OPTIONS']['options']} -c statement_timeout=10s -c synchronous_commit=off",
}
