"""System checks for what `manage.py check --deploy` should catch before the site goes live."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def rate_limits_shared_check(app_configs=None, **kwargs) -> list[Warning]:
    """The limits on public forms count in the cache: in one process's memory, each gunicorn worker keeps its own
    count, so two workers accept twice the limit."""
    if settings.DEBUG:
        return []
    cache_alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(cache_alias, {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            "The cache is in each process's memory, so the limits on public forms are counted per process: "
            "several web processes accept several times the limit.",
            hint="Set REDIS_URL (production needs Redis for the limits, as for Celery).",
            id="makerlab.W010",
        )
    ]
