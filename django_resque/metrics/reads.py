"""What the workers measured, read over a window: the per-job table and one job's detail.

Bounded work: one pipelined HGETALL per job name and key of the window, in chunks (the table
reads a long window of minutes mostly from hour keys: `Window.cover`); data that is missing,
of another type or not numbers reads as zero. The queue waits are in waits.py and re-exported
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django_resque.metrics import buckets
from django_resque.metrics.steps import Step, add, read_hashes
from django_resque.metrics.totals import job_names
from django_resque.metrics.waits import QueueWait, WaitSeries, queue_wait_series, queue_waits
from django_resque.metrics.windows import WINDOWS, Window, window_named
from django_resque.storage.keys import get_keys

__all__ = [
    "WINDOWS",
    "JobDetail",
    "JobRow",
    "QueueWait",
    "WaitSeries",
    "Window",
    "job_detail",
    "job_table",
    "queue_wait_series",
    "queue_waits",
]


@dataclass(frozen=True)
class JobRow:
    """One job's figures over a window: attempts, failed attempts, duration quantiles, total."""

    name: str
    runs: int
    failures: int
    failure_rate: float  # failures / runs, 0.0 when it never ran
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    total_ms: float


@dataclass(frozen=True)
class JobDetail:
    """One job's runs, failures and duration histogram per step of a window, oldest first."""

    name: str
    window: str
    times: list[datetime]  # when each step began (UTC)
    runs: list[int]
    failures: list[int]
    heat: list[list[int]]  # heat[t][bucket]: buckets.COUNT counts per step


def job_table(window: str = "1h", now: float | None = None) -> list[JobRow]:
    """Every job that ran in the window, with its figures; unsorted (the caller sorts)."""
    cover = window_named(window).cover(now)
    names = job_names()
    keys = get_keys()
    steps = read_hashes([keys.metrics_job(step, p, name) for name in names for step, p in cover])
    rows = []
    for index, name in enumerate(names):
        row = _row(name, steps[index * len(cover) : (index + 1) * len(cover)])
        if row.runs:
            rows.append(row)
    return rows


def job_detail(name: str, window: str = "1h", now: float | None = None) -> JobDetail:
    """One job's runs, failures and duration heat map per step (zeros where it did not run)."""
    span = window_named(window)
    periods = span.periods(now)
    keys = get_keys()
    steps = read_hashes([keys.metrics_job(span.step, p, name) for p in periods])
    return JobDetail(
        name=name,
        window=span.name,
        times=[span.start_of(p) for p in periods],
        runs=[s.n for s in steps],
        failures=[s.failed for s in steps],
        heat=[list(s.counts) for s in steps],
    )


def _row(name: str, steps: list[Step]) -> JobRow:
    runs = sum(s.n for s in steps)
    failures = min(sum(s.failed for s in steps), runs)
    counts = add(s.counts for s in steps)
    return JobRow(
        name=name,
        runs=runs,
        failures=failures,
        failure_rate=failures / runs if runs else 0.0,
        p50_ms=buckets.quantile_ms(counts, 0.50),
        p95_ms=buckets.quantile_ms(counts, 0.95),
        p99_ms=buckets.quantile_ms(counts, 0.99),
        total_ms=sum(s.sum_us for s in steps) / 1000,
    )
