"""How long jobs waited on each queue before a worker took them, over a window.

A wait is the time from a payload's `queue_time` (when it became runnable) to the moment a
worker's reserve call returned it, by that worker's clock; payloads without `queue_time`
(Ruby's, Node's) are not counted. The queues read are those of Resque's `queues` set and those
the workers have counted jobs for, at most MAX_QUEUES.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis.exceptions import ResponseError

from django_resque.metrics import buckets
from django_resque.metrics.steps import add, read_hashes
from django_resque.metrics.totals import read_totals
from django_resque.metrics.windows import window_named
from django_resque.storage.codec import to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

MAX_QUEUES = 1000


@dataclass(frozen=True)
class QueueWait:
    """One queue's waits over a window: how many jobs were taken, and the wait quantiles."""

    queue: str
    jobs: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class WaitSeries:
    """One queue's waits per step of a window, oldest first (None where no job was taken)."""

    queue: str
    window: str
    times: list[datetime]
    jobs: list[int]
    p50_ms: list[float | None]
    p95_ms: list[float | None]


def queue_waits(window: str = "1h", now: float | None = None) -> list[QueueWait]:
    """Every known queue's waits over the window, sorted by name (jobs 0 where none were taken)."""
    cover = window_named(window).cover(now)
    names = _queue_names()
    keys = get_keys()
    steps = read_hashes([keys.metrics_wait(step, p, q) for q in names for step, p in cover])
    rows = []
    for index, queue in enumerate(names):
        mine = steps[index * len(cover) : (index + 1) * len(cover)]
        counts = add(s.counts for s in mine)
        rows.append(
            QueueWait(
                queue=queue,
                jobs=sum(s.n for s in mine),
                p50_ms=buckets.quantile_ms(counts, 0.50),
                p95_ms=buckets.quantile_ms(counts, 0.95),
            )
        )
    return rows


def queue_wait_series(queue: str, window: str = "1h", now: float | None = None) -> WaitSeries:
    """One queue's jobs taken and wait p50/p95 per step of the window."""
    span = window_named(window)
    periods = span.periods(now)
    keys = get_keys()
    steps = read_hashes([keys.metrics_wait(span.step, p, queue) for p in periods])
    return WaitSeries(
        queue=queue,
        window=span.name,
        times=[span.start_of(p) for p in periods],
        jobs=[s.n for s in steps],
        p50_ms=[buckets.quantile_ms(s.counts, 0.50) for s in steps],
        p95_ms=[buckets.quantile_ms(s.counts, 0.95) for s in steps],
    )


def _queue_names() -> list[str]:
    try:
        known = {to_text(q) for q in get_redis().smembers(get_keys().queues())}
    except ResponseError:  # WRONGTYPE
        known = set()
    known |= {t.queue for t in read_totals()}
    return sorted(known)[:MAX_QUEUES]
