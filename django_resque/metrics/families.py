"""The figures the Prometheus endpoint exports, gathered from Redis as metric families.

Counters come from the all-time hashes the workers write (`Keys.metrics_totals`,
`Keys.metrics_duration`), never from process memory, so any web process can serve them and
they never go backwards when a worker restarts. Gauges are read as they are now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from redis.exceptions import ResponseError

from django_resque.metrics import buckets
from django_resque.metrics.latency import oldest_ages
from django_resque.metrics.steps import Step
from django_resque.metrics.totals import read_totals
from django_resque.monitoring import workers
from django_resque.queues import delayed
from django_resque.queues import lists as queues
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

# The histogram's upper bounds in seconds, as `le` labels; the last bucket is +Inf.
BOUNDS_SECONDS = [ms / 1000 for ms in buckets.BOUNDS_MS]
UNKNOWN_AGE = math.nan  # exported for a queue whose oldest job has no queue_time


@dataclass(frozen=True)
class Histogram:
    """One job's all-time durations: counts per bucket (not cumulative) and their sum."""

    labels: tuple[str, ...]
    counts: tuple[int, ...]
    sum_seconds: float


@dataclass(frozen=True)
class Family:
    """One metric: its name (without `_total`), kind, help, label names and samples."""

    name: str
    kind: str  # "counter", "gauge" or "histogram"
    help: str
    labels: tuple[str, ...] = ()
    samples: list[tuple[tuple[str, ...], float]] = field(default_factory=list)
    histograms: list[Histogram] = field(default_factory=list)


def gather() -> list[Family]:
    """Read every exported figure from Redis (a few pipelined round trips)."""
    return [*_job_families(), *_queue_families(), *_resque_families()]


def _job_families() -> list[Family]:
    rows = read_totals()
    processed = Family(
        "resque_jobs_processed",
        "counter",
        "Job attempts performed (succeeded or failed), per queue and job.",
        ("queue", "job"),
        [((t.queue, t.job), float(t.processed)) for t in rows],
    )
    failed = Family(
        "resque_jobs_failed",
        "counter",
        "Job attempts that failed (retried or not), per queue and job.",
        ("queue", "job"),
        [((t.queue, t.job), float(t.failed)) for t in rows],
    )
    retried = Family(
        "resque_jobs_retried",
        "counter",
        "Failed job attempts after which a retry was scheduled, per queue and job.",
        ("queue", "job"),
        [((t.queue, t.job), float(t.retried)) for t in rows],
    )
    names = sorted({t.job for t in rows})
    duration = Family(
        "resque_job_duration_seconds",
        "histogram",
        "Job attempt durations as the worker measured them, per job.",
        ("job",),
        histograms=_durations(names),
    )
    return [processed, failed, retried, duration]


def _durations(names: list[str]) -> list[Histogram]:
    keys = get_keys()
    with get_redis().pipeline(transaction=False) as pipe:
        for name in names:
            pipe.hgetall(keys.metrics_duration(name))
        replies = pipe.execute(raise_on_error=False)
    histograms = []
    for name, reply in zip(names, replies, strict=True):
        step = Step.of(reply)
        histograms.append(Histogram((name,), step.counts, step.sum_us / 1_000_000))
    return histograms


def _queue_families() -> list[Family]:
    names = queues.names()
    sizes = queues.sizes(names)
    ages = oldest_ages(names)
    length = Family(
        "resque_queue_length",
        "gauge",
        "Jobs waiting on each queue (its list and its prioritised set).",
        ("queue",),
        [((name,), float(sizes[name])) for name in names],
    )
    latency = Family(
        "resque_queue_latency_seconds",
        "gauge",
        "Age of the oldest job waiting on each queue: 0 when empty, NaN when unknown.",
        ("queue",),
        [((name,), _age(sizes[name], ages[name])) for name in names],
    )
    return [length, latency]


def _age(size: int, age: float | None) -> float:
    """0 for an empty queue (nothing waits); NaN for a head payload without queue_time."""
    if age is not None:
        return age
    return 0.0 if size == 0 else UNKNOWN_AGE


def _resque_families() -> list[Family]:
    states = {"working": 0, "idle": 0}
    for info in workers.all():
        states[info.state] = states.get(info.state, 0) + 1
    return [
        Family(
            "resque_workers",
            "gauge",
            "Registered workers (any Resque implementation) by state.",
            ("state",),
            [((state,), float(n)) for state, n in sorted(states.items())],
        ),
        Family(
            "resque_failed_jobs",
            "gauge",
            "Failure records in Resque's failed list.",
            samples=[((), float(_failed_count()))],
        ),
        Family(
            "resque_delayed_jobs",
            "gauge",
            "Delayed jobs waiting for their time (resque-scheduler's delayed set).",
            samples=[((), float(delayed.count()))],
        ),
    ]


def _failed_count() -> int:
    try:
        return int(get_redis().llen(get_keys().failed()))
    except ResponseError:  # WRONGTYPE: not Resque's list
        return 0
