"""The shared cache on Redis, which is never a single point of failure.

When Redis does not answer, every read is a miss and every write is dropped: pages are rendered uncached and
nothing fails. The rate limits' cache (``RateLimitRedisCache``) counts in this process's memory instead, so a
public form stays protected, per process, until Redis is back. An outage is logged once when it starts and once
when it ends; while it lasts, Redis is tried again only every few seconds, so no page waits on it.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# While Redis is down, each process tries it again after this long (and answers from its fallback meanwhile).
RETRY_AFTER_SECONDS = 5.0
# Redis on the same network answers in a millisecond: give up fast rather than hold a page.
CONNECTION_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 0)}


class _Outage:
    """The state of Redis as this process last saw it, shared by its threads (each has its own cache object)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._retry_at: float | None = None

    def skipping(self) -> bool:
        """True while Redis failed less than RETRY_AFTER_SECONDS ago: do not try it."""
        retry_at = self._retry_at
        return retry_at is not None and time.monotonic() < retry_at

    def failed(self, location: str, error: Exception, fallback: str) -> None:
        with self._lock:
            started = self._retry_at is None
            self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS
        if started:
            logger.warning("The cache at %s does not answer (%s): %s until it is back.", location, error, fallback)

    def answered(self, location: str) -> None:
        if self._retry_at is None:
            return
        with self._lock:
            ended = self._retry_at is not None
            self._retry_at = None
        if ended:
            logger.warning("The cache at %s answers again.", location)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that answers a miss, never an error, while Redis is unreachable."""

    fallback_text = "pages are rendered uncached"
    _outages: dict[tuple[str, str], _Outage] = {}
    _outages_lock = threading.Lock()

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**CONNECTION_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        with self._outages_lock:
            self._outage = self._outages.setdefault((type(self).__name__, server), _Outage())

    def _location(self) -> str:
        return ",".join(self._servers)

    def _degraded(self, name: str, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``operation`` on Redis; while Redis is down, answer what ``_while_down`` gives instead."""
        if not self._outage.skipping():
            try:
                result = operation(*args, **kwargs)
            except (RedisError, OSError) as error:
                self._outage.failed(self._location(), error, self.fallback_text)
            else:
                self._outage.answered(self._location())
                return result
        return self._while_down(name, *args, **kwargs)

    def _while_down(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """What an operation answers while Redis is down: a miss, and writes dropped."""
        if name == "get":
            return args[1]  # the default
        if name == "incr":
            raise ValueError(f"Key '{args[0]}' not found.")  # what a missing key answers
        if name == "get_many":
            return {}
        if name == "set_many":
            return list(args[0])  # the keys not stored
        if name in ("set", "delete_many"):
            return None
        return False  # add, touch, delete, has_key, clear: nothing was done

    def reachable(self) -> bool:
        """Whether Redis answers a ping now (for /healthz), whatever the outage state."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except (RedisError, OSError):
            return False

    # Each operation of Django's Redis cache, through _degraded; the arguments are kept for the fallback.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degraded("add", super().add, key, value, timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._degraded("get", super().get, key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degraded("set", super().set, key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degraded("touch", super().touch, key, timeout, version=version)

    def delete(self, key, version=None):
        return self._degraded("delete", super().delete, key, version=version)

    def get_many(self, keys, version=None):
        return self._degraded("get_many", super().get_many, list(keys), version=version)

    def has_key(self, key, version=None):
        return self._degraded("has_key", super().has_key, key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._degraded("incr", super().incr, key, delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degraded("set_many", super().set_many, dict(data), timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._degraded("delete_many", super().delete_many, list(keys), version=version)

    def clear(self):
        return self._degraded("clear", super().clear)


class RateLimitRedisCache(ResilientRedisCache):
    """The rate limits' counts: in Redis, shared by every process; while Redis is down, in this process's memory."""

    fallback_text = "rate limits are counted in each process"
    _local = LocMemCache("makerlab-rate-limits-while-redis-is-down", {"OPTIONS": {"MAX_ENTRIES": 10000}})

    def _while_down(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._local, name)(*args, **kwargs)
