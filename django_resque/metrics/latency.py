"""Queue latency: how long the oldest job of each queue has been waiting.

A payload's `queue_time` (epoch seconds, the field php-resque writes and django_resque writes
too) says when it became runnable; the oldest job is the head of the queue's list (Resque pushes
at the tail and pops at the head). Ages are measured against Redis TIME, the clock every worker
shares. A payload without `queue_time` (Ruby's and Node's write none) has an unknown age, which
is reported as None, never as zero. Prioritised payloads (`dj:priority:<queue>`) are not looked at.
"""

from __future__ import annotations

import math

from django_resque.storage.codec import json_or
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys


def oldest_ages(names: list[str]) -> dict[str, float | None]:
    """Return each queue's oldest job's age in seconds, in one round trip.

    None for an empty queue and for a head payload whose enqueue time is unknown.
    """
    keys = get_keys()
    with get_redis().pipeline(transaction=False) as pipe:
        pipe.time()
        for name in names:
            pipe.lindex(keys.queue(name), 0)
        replies = pipe.execute()
    seconds, micros = replies[0]
    now = seconds + micros / 1_000_000
    return {name: _age(head, now) for name, head in zip(names, replies[1:], strict=True)}


def _age(head: bytes | None, now: float) -> float | None:
    if head is None:
        return None
    payload = json_or(head, None)
    queued = payload.get("queue_time") if isinstance(payload, dict) else None
    if not isinstance(queued, int | float) or isinstance(queued, bool) or not math.isfinite(queued):
        return None
    return max(0.0, now - float(queued))
