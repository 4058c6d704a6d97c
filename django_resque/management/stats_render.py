"""Render a `metrics.snapshot.Snapshot` and the schedules for `manage.py resque_stats`.

`as_text()` is the terminal table (within 120 columns: long names are cut with "~");
`as_document()` is the JSON document whose shape docs/observability.md documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django_resque.metrics.queue_state import age_text
from django_resque.metrics.snapshot import Snapshot
from django_resque.scheduler.entry import ScheduleEntry

WORKERS_SHOWN = 50  # the table lists this many workers; the JSON lists them all
_CUT = {"queue": 24, "host": 20, "job": 32}


@dataclass(frozen=True, slots=True)
class Schedules:
    """The schedules in brief: how many, how many fire, and when the next one does."""

    count: int
    active: int
    next_at: datetime | None


def schedules_of(entries: Sequence[ScheduleEntry]) -> Schedules:
    """Count the entries and find the next firing among the enabled, unpaused ones."""
    firing = [e for e in entries if e.enabled and not e.paused]
    times = [e.next_run_at for e in firing if e.next_run_at is not None]
    return Schedules(len(entries), len(firing), min(times) if times else None)


def as_document(snap: Snapshot, plans: Schedules, redis: str) -> dict[str, object]:
    """Return the snapshot as one JSON-ready document (times ISO-8601 UTC, ages in seconds)."""
    return {
        "taken_at": _iso(snap.taken_at),
        "redis": redis,
        "queues": [
            {
                "name": q.name,
                "size": q.size,
                "paused": q.paused,
                "latency": None if q.latency is None else round(q.latency, 3),
                "latency_note": q.latency_note,
            }
            for q in snap.queues
        ],
        "workers": [
            {
                "id": w.id,
                "host": w.host,
                "pid": w.pid,
                "state": w.state,
                "stale": w.stale,
                "queues": list(w.queues),
                "queue": w.queue,
                "job": w.job,
                "since": _iso(w.since),
            }
            for w in snap.workers
        ],
        "totals": {"processed": snap.processed, "failed": snap.failed},
        "failures": {"count": snap.failures},
        "delayed": {"count": snap.delayed, "next_at": _iso(snap.next_delayed_at)},
        "schedules": {"count": plans.count, "active": plans.active, "next_at": _iso(plans.next_at)},
    }


def as_text(snap: Snapshot, plans: Schedules, redis: str) -> str:
    """Return the snapshot as tables and lines for a terminal."""
    parts = [
        f"Resque at {redis}, {_clock(snap.taken_at)} (Redis time)",
        _queues(snap),
        _workers(snap),
        _totals(snap, plans),
    ]
    return "\n\n".join(parts) + "\n"


def _queues(snap: Snapshot) -> str:
    if not snap.queues:
        return "No queues yet."
    rows = [("QUEUE", "JOBS", "LATENCY", "STATE")]
    for q in snap.queues:
        latency = (
            age_text(q.latency) if q.latency is not None else "-" if q.size == 0 else "unknown"
        )
        state = "paused" if q.paused else "active"
        rows.append((_cut(q.name, "queue"), str(q.size), latency, state))
    return _table(rows, right={1})


def _workers(snap: Snapshot) -> str:
    if not snap.workers:
        return "No workers registered."
    working = sum(w.state == "working" for w in snap.workers)
    rows = [("HOST", "PID", "STATE", "QUEUE", "JOB", "SINCE")]
    for w in snap.workers[:WORKERS_SHOWN]:
        rows.append(
            (
                _cut(w.host, "host"),
                "-" if w.pid is None else str(w.pid),
                w.state + (" stale" if w.stale else ""),
                _cut(w.queue or "-", "queue"),
                _cut(w.job or "-", "job"),
                _ago(snap.taken_at, w.since),
            )
        )
    lines = [_table(rows, right={1})]
    if len(snap.workers) > WORKERS_SHOWN:
        more = len(snap.workers) - WORKERS_SHOWN
        lines.append(f"... and {more} more workers (--json lists them all)")
    count = len(snap.workers)
    lines.append(f"{count} worker{'' if count == 1 else 's'}, {working} working")
    return "\n".join(lines)


def _totals(snap: Snapshot, plans: Schedules) -> str:
    next_job = _when(snap.taken_at, snap.next_delayed_at)
    next_run = _when(snap.taken_at, plans.next_at)
    return "\n".join(
        [
            f"Processed  {snap.processed}  (all time, failures included)",
            f"Failed     {snap.failed}  (all time); failed jobs kept: {snap.failures}",
            f"Delayed    {snap.delayed}" + (f"  (next due {next_job})" if next_job else ""),
            f"Schedules  {plans.count}  ({plans.active} active"
            + (f"; next firing {next_run})" if next_run else ")"),
        ]
    )


def _table(rows: Sequence[tuple[str, ...]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _cut(value: str, kind: str) -> str:
    limit = _CUT[kind]
    shown = "".join(c if c.isprintable() else "?" for c in value)  # no escapes reach the tty
    return shown if len(shown) <= limit else shown[: limit - 1] + "~"


def _ago(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "-"
    return f"{age_text(max((now - then).total_seconds(), 0.0))} ago"


def _when(now: datetime, then: datetime | None) -> str:
    if then is None:
        return ""
    delta = (then - now).total_seconds()
    relative = f"in {age_text(delta)}" if delta >= 0 else f"{age_text(-delta)} overdue"
    return f"{_clock(then)}, {relative}"


def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
