"""The all-time counters per queue and job (`Keys.metrics_totals`), and the names they hold.

Workers only write job names that are registered (or the one `recording.UNKNOWN_JOB` label)
and the queues they serve, so the hash stays small; readers still take at most MAX_FIELDS of
it and skip fields that are not `<kind>\\n<queue>\\n<job>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.exceptions import ResponseError

from django_resque.metrics.steps import count
from django_resque.storage.codec import to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

MAX_FIELDS = 30_000  # fields read at most (10,000 queue and job pairs)
KINDS = {"p": "processed", "f": "failed", "r": "retried"}


@dataclass(frozen=True, slots=True)
class Total:
    """All-time attempts of one job on one queue, and how many failed or were retried."""

    queue: str
    job: str
    processed: int = 0
    failed: int = 0
    retried: int = 0


def read_totals() -> list[Total]:
    """Every (queue, job) pair's all-time counters, sorted by job then queue."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for field, value in _fields():
        parts = field.split("\n")
        if len(parts) != 3 or parts[0] not in KINDS or not parts[1] or not parts[2]:
            continue
        kind, queue, job = parts
        found.setdefault((queue, job), {})[KINDS[kind]] = count(value)
    rows = [Total(queue, job, **counts) for (queue, job), counts in found.items()]
    return sorted(rows, key=lambda t: (t.job, t.queue))


def job_names() -> list[str]:
    """The names of every job that has run (as the workers labelled them), sorted."""
    return sorted({t.job for t in read_totals()})


def _fields() -> list[tuple[str, object]]:
    """The hash's fields as text, at most MAX_FIELDS; none when the key is of another type."""
    redis, key = get_redis(), get_keys().metrics_totals()
    fields: list[tuple[str, object]] = []
    try:
        for field, value in redis.hscan_iter(key, count=1000):
            fields.append((to_text(field), value))
            if len(fields) >= MAX_FIELDS:
                break
    except ResponseError:  # WRONGTYPE: someone else's value under our name
        return []
    return fields
