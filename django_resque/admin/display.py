"""Turn raw payload bytes into what a page shows: job name and pretty, bounded arguments.

Whatever Redis holds must render: JSON nested deeper than the parser goes is shown as its raw
text, and a lone surrogate (valid in JSON's `\\ud800`, not in UTF-8) is spelled as its escape.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django_resque.failures.records import Failure
from django_resque.jobs.payload import MalformedPayload, decode
from django_resque.monitoring.workers import WorkerInfo
from django_resque.queues.lists import digest

SHOW_CHARS = 4000  # a page shows at most this much of one payload's arguments
ONE_LINE = 80  # JSON shorter than this stays on one line


@dataclass(frozen=True, slots=True)
class QueuedJob:
    index: int
    job_name: str
    args: str
    sha1: str
    malformed: bool


def text(value: Any, limit: int = SHOW_CHARS) -> str:
    """Return `value` as text UTF-8 can carry (lone surrogates escaped), cut at `limit`."""
    shown = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return shown if len(shown) <= limit else shown[:limit] + "\n… (truncated)"


def pretty(value: Any) -> str:
    """Return JSON on one line if short, else indented for reading; cut at SHOW_CHARS."""
    try:
        dumped = json.dumps(value, ensure_ascii=False, default=str)
    except RecursionError:  # parsed, but nested deeper than the encoder goes
        return "(nested too deeply to show)"
    if len(dumped) > ONE_LINE:
        with suppress(RecursionError):  # indenting recurses in Python: keep one line then
            dumped = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text(dumped)


def queued_job(index: int, raw: bytes) -> QueuedJob:
    """Describe one queued payload; a malformed one is shown as text, not hidden."""
    try:
        payload = decode(raw)
    except (MalformedPayload, RecursionError):  # RecursionError: nested past the parser
        as_text = text(raw[: SHOW_CHARS + 1].decode("utf-8", "replace"))  # cut, and said so
        return QueuedJob(index, "(malformed payload)", as_text, digest(raw), True)
    shown: Any = (
        payload.args
        if not payload.kwargs
        else {
            "args": payload.args,
            "kwargs": payload.kwargs,
        }
    )
    return QueuedJob(index, text(payload.job_name), pretty(shown), digest(raw), False)


@dataclass(frozen=True, slots=True)
class InFlight:
    queue: str
    run_at: str
    job_name: str
    args: str


def in_flight(record: dict[str, Any] | None) -> InFlight | None:
    """Describe a worker's in-flight record (any Resque's), whatever shape its payload has."""
    if record is None:
        return None
    payload = record.get("payload")
    if isinstance(payload, dict):
        name = text(payload.get("class", "(no class)"))
        shown: Any = payload.get("args", [])
        if payload.get("kwargs"):
            shown = {"args": shown, "kwargs": payload["kwargs"]}
    else:
        name, shown = "(malformed payload)", payload
    return InFlight(
        text(record.get("queue") or ""), text(record.get("run_at") or ""), name, pretty(shown)
    )


@dataclass(frozen=True, slots=True)
class WorkerRow:
    worker: WorkerInfo
    job: InFlight | None  # None while idle


def worker_row(worker: WorkerInfo) -> WorkerRow:
    """Pair a worker with its in-flight job as a page shows it."""
    return WorkerRow(worker, in_flight(worker.job))


@dataclass(frozen=True, slots=True)
class HostGroup:
    """The rows of one host on a page, and how many workers the host has on every page."""

    host: str
    workers: int
    stale: int
    rows: list[WorkerRow]


def host_groups(rows: Iterable[WorkerRow], everyone: list[WorkerInfo]) -> list[HostGroup]:
    """Group a page's rows by host (they come sorted by id, so by host), with per-host counts."""
    workers = Counter(w.host for w in everyone)
    stale = Counter(w.host for w in everyone if w.is_stale)
    groups: list[HostGroup] = []
    for row in rows:
        host = row.worker.host
        if not groups or groups[-1].host != host:
            groups.append(HostGroup(host, workers[host], stale[host], []))
        groups[-1].rows.append(row)
    return groups


@dataclass(frozen=True, slots=True)
class DelayedItem:
    job_name: str
    queue: str
    args: str


def delayed_item(item: dict[str, Any]) -> DelayedItem:
    """Describe one delayed item (resque-scheduler's `{"class","args","queue"}` or raw text)."""
    if "raw" in item and "class" not in item:
        return DelayedItem("(malformed item)", "", pretty(item["raw"]))
    shown: Any = item.get("args", [])
    if item.get("kwargs"):
        shown = {"args": shown, "kwargs": item["kwargs"]}
    return DelayedItem(
        text(item.get("class", "(no class)")), text(item.get("queue", "")), pretty(shown)
    )


@dataclass(frozen=True, slots=True)
class FailureView:
    id: str
    failed_at: str
    job_name: str
    args: str
    payload: str
    exception: str
    error: str
    backtrace: str
    worker: str
    queue: str
    retried_at: str | None
    attempts: int | None


def failure_view(failure: Failure) -> FailureView:
    """Describe a failures.Failure for a page: arguments and payload pretty and bounded."""
    shown: Any = failure.args
    if failure.kwargs:
        shown = {"args": failure.args, "kwargs": failure.kwargs}
    backtrace = "\n".join(str(line) for line in (failure.backtrace or []))
    return FailureView(
        id=text(failure.id),
        failed_at=text(failure.failed_at),
        job_name=text(failure.job_name or "(malformed payload)"),
        args=pretty(shown),
        payload=pretty(failure.payload),
        exception=text(failure.exception),
        error=text(failure.error),
        backtrace=text(backtrace, SHOW_CHARS * 4),
        worker=text(failure.worker),
        queue=text(failure.queue),
        retried_at=None if failure.retried_at is None else text(failure.retried_at),
        attempts=failure.attempts,
    )
