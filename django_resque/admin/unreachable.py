"""What the admin says when Redis does not answer: which Redis, and the error, never a password."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from django_resque.conf import get_config

MASK = "***"


def connection_error(exc: BaseException) -> redis.RedisError | None:
    """Return the connection or timeout error behind `exc` (itself or a cause), if there is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, redis.ConnectionError | redis.TimeoutError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def where() -> str:
    """Name the Redis the settings point at: the CONNECTION alias, or REDIS_URL masked."""
    config = get_config()
    if config["CONNECTION"]:
        return f"the django-redis cache CACHES[{config['CONNECTION']!r}] (RESQUE['CONNECTION'])"
    return masked(str(config["REDIS_URL"]))


def masked(url: str) -> str:
    """Return `url` with the password in its user info or its query replaced by MASK."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user = parts.username or ""
        netloc = f"{user}:{MASK}@{netloc.rpartition('@')[2]}"
    query = urlencode(
        [(k, MASK if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="*"
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))
