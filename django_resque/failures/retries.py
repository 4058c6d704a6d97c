"""Automatic retries: when the next attempt is due, and moving due attempts back to their queue.

A job waiting for its next attempt sits in the zset `<ns>:dj:retry` (member `<queue>\\n<payload>`,
score = due epoch seconds) with its payload's `attempt` field raised by one. Workers promote due
members themselves, at most once a second each (and when idle), in one bounded Lua call, so no
scheduler process is needed.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import TYPE_CHECKING, Any

from django_resque.jobs.payload import Payload
from django_resque.queues.lists import WAKE_TOKEN_CAP
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job

BACKOFF_BASE = 5.0  # seconds before the second attempt, doubled for each one after it
BACKOFF_CAP = 3600.0  # no wait is longer than an hour
PROMOTE_BATCH = 100  # due retries moved per call
PROMOTE_EVERY = 1.0  # seconds between one worker's promotion calls

_last_promotion = 0.0


def attempt_of(payload: Payload) -> int:
    """Return which attempt a payload is (1 for a first run; the `attempt` field after that)."""
    value = payload.extras.get("attempt", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def default_backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt `attempt`: exponential, capped, with equal jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def delay_after(definition: Job[Any, Any], attempt: int, exc: BaseException | None) -> float | None:
    """Return seconds until the next attempt, or None when this failure is final.

    `exc` is None after a dirty exit (the child died without an exception): that is retried
    unless the job narrowed retry_on to particular exceptions.
    """
    if attempt > definition.retries:
        return None
    if exc is None:
        if definition.retry_on != (Exception,):
            return None
    elif isinstance(exc, definition.give_up_on) or not isinstance(exc, definition.retry_on):
        return None
    backoff = definition.backoff or default_backoff
    return max(0.0, float(backoff(attempt)))


def next_attempt(raw: bytes, payload: Payload, attempt: int, *, due: float | None = None) -> bytes:
    """Return the payload of the next attempt: the same call with `attempt` raised by one.

    Its `queue_time` becomes `due` (when the attempt may run), so its wait says how late it ran.
    """
    extras = {**payload.extras, "attempt": attempt + 1}
    if due is not None:
        extras["queue_time"] = due
    nxt = Payload(
        payload.job_name, payload.args, payload.kwargs, payload.id or uuid.uuid4().hex, extras
    )
    return nxt.encode().encode("utf-8")


def member(queue: str, payload: bytes) -> bytes:
    """Return the retry zset member for a payload (queue names never contain a newline)."""
    return queue.encode() + b"\n" + payload


def promote_due(now: float | None = None, limit: int = PROMOTE_BATCH) -> int:
    """Move retries that are due onto their queues, atomically; return how many moved."""
    keys = get_keys()
    moment = time.time() if now is None else now
    return int(
        scripts.run(
            "retry_promote",
            [keys.retries(), keys.queues()],
            [moment, limit, WAKE_TOKEN_CAP, keys.queue_prefix(), keys.wake_prefix()],
        )
    )


def maintain() -> None:
    """A worker's periodic step: promote due retries and advance the failed-list sweep.

    Runs at most once per PROMOTE_EVERY seconds per process, so it stays off the per-job path.
    """
    global _last_promotion
    from django_resque.failures import registry as failures

    now = time.monotonic()
    if now - _last_promotion < PROMOTE_EVERY:
        return
    _last_promotion = now
    promote_due()
    failures.sweep_step()


def pending() -> int:
    """Return how many jobs wait for a later attempt."""
    from django_resque.storage.connection import get_redis

    return int(get_redis().zcard(get_keys().retries()))
