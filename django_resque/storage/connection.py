"""One Redis client per process, built from settings and rebuilt after a fork."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.backoff import NoBackoff
from redis.retry import Retry

from django_resque.conf import get_config
from django_resque.storage import cluster, sentinel

# A replica's answer to a write (READONLY, also inside a script's error): a demoted primary.
READONLY = "You can't write against a read only replica"

_client: redis.Redis | None = None
_client_pid: int | None = None


def get_redis() -> redis.Redis:
    """Return this process's Redis client (bytes in, bytes out)."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        _client = _build()
        _client_pid = os.getpid()
    return _client


def reset() -> None:
    """Forget the client, so the next get_redis() builds one from current settings."""
    global _client, _client_pid
    _client = None
    _client_pid = None


@receiver(setting_changed)
def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "RESQUE":
        reset()


def use_in_this_process(client: redis.Redis) -> None:
    """Make get_redis() return `client` in this process (a forked child adopting a connection)."""
    global _client, _client_pid
    _client = client
    _client_pid = os.getpid()


def unavailable(exc: redis.RedisError) -> bool:
    """True for an error that means Redis cannot serve now (down, too slow, full): wait, retry.

    A Redis at maxmemory with noeviction refuses writes that would grow it with an OOM error
    (inside a script, Redis 6 wraps it in the script's error), which passes once workers drain it.
    A replica refuses writes with READONLY, which passes once clients reach the new primary.
    A Redis Cluster answers CLUSTERDOWN while a failover is under way, TRYAGAIN and ASK while a
    slot moves; a MOVED reply is a ConnectionError already (cluster.py).
    """
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return True
    if isinstance(exc, redis.exceptions.ClusterDownError | redis.exceptions.TryAgainError):
        return True
    if isinstance(exc, redis.exceptions.AskError):
        return True  # a key of the slot has moved to the node importing it; the rest follow
    if isinstance(exc, redis.exceptions.OutOfMemoryError | redis.exceptions.ReadOnlyError):
        return True  # READONLY: a primary demoted by a failover; its successor takes writes
    return isinstance(exc, redis.ResponseError) and any(
        words in str(exc) for words in ("OOM command not allowed", READONLY)
    )


def describe() -> str:
    """Say where Redis is configured to be, for errors, logs and the admin; never a password."""
    config = get_config()
    if config["CONNECTION"]:
        return f"the django-redis cache CACHES[{config['CONNECTION']!r}] (RESQUE['CONNECTION'])"
    if sentinel.configured(config):
        try:
            return sentinel.read(config).describe()
        except ValueError:
            return "Sentinel (RESQUE['SENTINELS'] is not valid; see manage.py check)"
    if cluster.configured(config):
        return cluster.describe(_masked(str(config["REDIS_URL"])))
    return _masked(str(config["REDIS_URL"]))


def _masked(url: str) -> str:
    """Return `url` with the password in its user info or its query replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rpartition('@')[2]}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="*"
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _build() -> redis.Redis:
    config = get_config()
    if config["CONNECTION"]:
        from django_redis import get_redis_connection

        return get_redis_connection(config["CONNECTION"])
    return build_client()


def build_client(*, single_connection: bool = False) -> redis.Redis:
    """Return a new client for RESQUE["REDIS_URL"], or on the primary behind RESQUE["SENTINELS"],
    or, with RESQUE["CLUSTER"], on the cluster primary that owns the namespace's slot.

    No client-side retries: redis-py re-sends a command after a read timeout even when Redis
    already ran it, which would push a payload twice or move two jobs. A single-connection
    client (the one forked children share, see child_redis) connects at once and skips the
    periodic health-check PING, because its owner checks it before every fork instead.
    """
    config = get_config()
    options: dict[str, Any] = {
        "socket_timeout": config["SOCKET_TIMEOUT"],
        "socket_connect_timeout": config["SOCKET_CONNECT_TIMEOUT"],
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 0 if single_connection else 30,
    }
    if sentinel.configured(config):
        try:
            behind = sentinel.read(config)
        except ValueError as exc:
            raise ImproperlyConfigured(str(exc)) from exc
        return sentinel.build_client(behind, options, single_connection=single_connection)
    url = config["REDIS_URL"]
    if not isinstance(url, str):
        raise ImproperlyConfigured(f"RESQUE['REDIS_URL'] must be a string, not {url!r}.")
    if cluster.configured(config):
        try:
            return cluster.build_client(
                url, options, name=_masked(url), single_connection=single_connection
            )
        except ValueError as exc:
            raise ImproperlyConfigured(str(exc)) from exc
    try:
        return redis.Redis.from_url(url, **options, single_connection_client=single_connection)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"RESQUE['REDIS_URL'] is not a Redis URL ({exc}); use redis://host:port/db, "
            "rediss:// for TLS, or unix:///path/to/redis.sock."
        ) from exc
