"""What the admin says when Redis does not answer: the error behind a failed page."""

from __future__ import annotations

import redis


def connection_error(exc: BaseException) -> redis.RedisError | None:
    """Return the connection or timeout error behind `exc` (itself or a cause), if there is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, redis.ConnectionError | redis.TimeoutError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
