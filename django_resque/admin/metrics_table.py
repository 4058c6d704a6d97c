"""What the Metrics page shows of the figures metrics.reads returns: its columns and their text.

Durations are humanised (ms under a second, then s, min and h) and a rate is a percentage; a
figure that does not exist (no run in the window has a duration) is a dash, never a zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from django_resque.admin.display import text
from django_resque.admin.sorting import Column
from django_resque.metrics.reads import WINDOWS, JobRow, QueueWait

DEFAULT_WINDOW = "1h"
NAME_CHARS = 200  # of a job name shown in a cell or a title
NOTHING = "–"

COLUMNS = (
    Column("Job", "name"),
    Column("Runs", "runs"),
    Column("Failures", "failures"),
    Column("Failure rate", "failure_rate"),
    Column("p50", "p50_ms"),
    Column("p95", "p95_ms"),
    Column("p99", "p99_ms"),
    Column("Total time", "total_ms"),
)
DEFAULT_ORDER = "-8"  # total time, most first: where the workers' time goes


@dataclass(frozen=True, slots=True)
class JobLine:
    name: str  # the name as recorded (the detail link's parameter)
    shown: str  # the name as the cell shows it: bounded, printable
    runs: int
    failures: int
    failure_rate: str
    p50: str
    p95: str
    p99: str
    total: str


@dataclass(frozen=True, slots=True)
class WaitLine:
    queue: str
    jobs: int
    p50: str
    p95: str


def window_of(value: str | None) -> str:
    """Return the window a request names, or the default for anything that is not one."""
    return value if isinstance(value, str) and value in WINDOWS else DEFAULT_WINDOW


def window_label(key: str) -> str:
    """Return a window's key as a page says it: `24h` is `24 h`."""
    return f"{key[:-1]} {key[-1:]}"


def duration(ms: float | None) -> str:
    """Humanise milliseconds: `< 1 ms`, `850 ms`, `12.3 s`, `4.5 min`, `2.0 h`; None is a dash."""
    if ms is None or not math.isfinite(ms):
        return NOTHING
    if 0 < ms < 1:
        return "< 1 ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:.1f} min"
    return f"{ms / 3_600_000:.1f} h"


def percent(rate: float) -> str:
    """Show a rate between 0 and 1 as a percentage with one decimal."""
    return f"{rate * 100:.1f} %" if math.isfinite(rate) else NOTHING


def job_line(row: JobRow) -> JobLine:
    return JobLine(
        name=row.name,
        shown=text(row.name, NAME_CHARS),
        runs=row.runs,
        failures=row.failures,
        failure_rate=percent(row.failure_rate),
        p50=duration(row.p50_ms),
        p95=duration(row.p95_ms),
        p99=duration(row.p99_ms),
        total=duration(row.total_ms),
    )


def wait_line(wait: QueueWait) -> WaitLine:
    return WaitLine(
        text(wait.queue, NAME_CHARS), wait.jobs, duration(wait.p50_ms), duration(wait.p95_ms)
    )


def time_format(times: list[datetime]) -> str:
    """A strftime format for time labels: with the weekday once the window spans days."""
    spans_days = len(times) > 1 and (times[-1] - times[0]).total_seconds() > 86_400
    return "%a %H:%M" if spans_days else "%H:%M"


def local(moment: datetime, fmt: str) -> str:
    """Show a time in the current time zone."""
    return timezone.localtime(moment).strftime(fmt)
