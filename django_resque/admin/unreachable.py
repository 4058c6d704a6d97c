"""What the admin says when Redis does not answer: the error behind a failed page."""

from __future__ import annotations

import redis
from redis.exceptions import AskError, ClusterDownError, TryAgainError

# A Redis Cluster answers CLUSTERDOWN while a failover is under way and TRYAGAIN or ASK while a
# slot moves: for a page, the same as a Redis that does not answer yet.
_UNREACHABLE = (
    redis.ConnectionError,
    redis.TimeoutError,
    ClusterDownError,
    TryAgainError,
    AskError,
)


def connection_error(exc: BaseException) -> redis.RedisError | None:
    """Return the connection or timeout error behind `exc` (itself or a cause), if there is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _UNREACHABLE):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
