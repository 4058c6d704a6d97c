"""What the Redis server says about itself (INFO): for the deploy-time system checks, and for
workers that must notice a server which restarted without its data.

Read from INFO, never CONFIG: managed Redis services (ElastiCache, Memorystore, Upstash) often
forbid CONFIG GET, while INFO works everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys


@dataclass(frozen=True, slots=True)
class RedisHealth:
    reachable: bool
    error: str = ""
    version: tuple[int, ...] = ()
    maxmemory_policy: str = ""
    aof_enabled: bool = False


def redis_health() -> RedisHealth:
    """Ask the configured Redis for its version, eviction policy and persistence."""
    try:
        info = get_redis().info()
    except redis.RedisError as exc:
        return RedisHealth(reachable=False, error=str(exc))
    version = tuple(int(p) for p in str(info.get("redis_version", "0")).split(".") if p.isdigit())
    return RedisHealth(
        reachable=True,
        version=version,
        maxmemory_policy=str(info.get("maxmemory_policy", "")),
        aof_enabled=str(info.get("aof_enabled", "0")) == "1",
    )


def run_id() -> str:
    """Return the server's run_id, which changes whenever the Redis process restarts."""
    return str(get_redis().info("server").get("run_id", ""))


def namespace_present() -> bool:
    """Return True if the namespace still holds Resque's lasting keys (not emptied or lost)."""
    keys = get_keys()
    return bool(get_redis().exists(keys.workers(), keys.queues(), keys.stat("processed")))
