"""Enqueue scripts acknowledged by replicas: RESQUE["ENQUEUE_REPLICAS"] and Redis WAIT.

Redis replicates asynchronously: a primary answers a write before any replica has it, so a
failover right after `.delay()` returned can lose the payload. With ENQUEUE_REPLICAS = N, each
enqueue script is followed by `WAIT N timeout` in the same write (one round trip), and the
enqueue succeeds only once N replicas have everything the primary had at that moment. WAIT
does not make the write durable on its own (a failover may still promote a replica that lacks
it, if the sentinels pick one that was behind); it makes losing it unlikely and tells the
caller when it could not be ensured.
"""

from __future__ import annotations

from typing import Any

import redis

from django_resque.conf import get_config
from django_resque.exceptions import EnqueueError, EnqueueOutcomeUnknown
from django_resque.storage import scripts


def run_enqueue(name: str, keys: list[str], args: list[Any], what: str) -> Any:
    """Run an enqueue script and, with ENQUEUE_REPLICAS, WAIT for replicas in the same write.

    Raises EnqueueError if Redis refused or failed (EnqueueOutcomeUnknown when it may have run
    the script), and EnqueueOutcomeUnknown if too few replicas acknowledged it in time. WAIT
    counts the writes of its own connection, so it goes out on the script's, right after it.
    """
    wait = wait_command()
    try:
        if wait is None:
            return scripts.run(name, keys, args)
        reply, acknowledged = scripts.run_then(name, keys, args, wait)
    except redis.RedisError as exc:
        raise EnqueueError.from_redis(exc, what) from exc
    check(int(acknowledged), what)
    return reply


def wait_command() -> tuple[Any, ...] | None:
    """The WAIT to send after enqueue scripts, on their connection; None without replicas."""
    replicas, timeout_ms = wanted()
    return ("WAIT", replicas, timeout_ms) if replicas else None


def wanted() -> tuple[int, int]:
    """ENQUEUE_REPLICAS and ENQUEUE_REPLICAS_TIMEOUT (ms) from the settings."""
    config = get_config()
    return int(config["ENQUEUE_REPLICAS"]), int(config["ENQUEUE_REPLICAS_TIMEOUT"])


def check(acknowledged: int, what: str) -> None:
    """Raise EnqueueOutcomeUnknown if fewer replicas than ENQUEUE_REPLICAS acknowledged."""
    replicas, timeout_ms = wanted()
    if acknowledged < replicas:
        raise EnqueueOutcomeUnknown(
            f"{what} is stored on the primary, but only {acknowledged} of {replicas} "
            f"replica(s) acknowledged it within {timeout_ms} ms "
            "(RESQUE['ENQUEUE_REPLICAS_TIMEOUT']): a failover now may lose it. It will run "
            "unless that happens; enqueue it again only with the same .using(job_id=...)."
        )
