"""One look at a Resque: queues, workers, totals, failures and the delayed set, read together.

`manage.py resque_stats` renders it. It reads only, in a bounded number of round trips (the
delayed count costs one more per thousand due times), and never raises for what Redis holds:
a worker record that is not JSON shows as a working worker without a job name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_resque.failures import registry as failures
from django_resque.metrics import queue_state
from django_resque.metrics.queue_state import QueueState
from django_resque.monitoring import workers as worker_registry
from django_resque.monitoring.workers import WorkerInfo, parse_time
from django_resque.queues import delayed
from django_resque.queues import lists as queues
from django_resque.results import stats
from django_resque.storage.clock import redis_now


@dataclass(frozen=True, slots=True)
class WorkerState:
    """One registered worker: where it runs and what it is doing, since when."""

    id: str
    host: str
    pid: int | None
    state: str  # "working" or "idle"
    stale: bool  # its heartbeat is older than HEARTBEAT_TIMEOUT
    queues: tuple[str, ...]
    queue: str | None  # the queue of the job it works on
    job: str | None  # that job's name ("class")
    since: datetime | None  # when that job started; when the worker started, if idle


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What `take()` read; times are Redis TIME, the clock every worker shares."""

    taken_at: datetime
    queues: list[QueueState]
    workers: list[WorkerState]
    processed: int  # stat:processed (failures included, as Resque counts)
    failed: int  # stat:failed
    failures: int  # failure records kept in the failed list
    delayed: int  # items waiting in the delayed set
    next_delayed_at: datetime | None  # when the soonest of them is due


def take(only: list[str] | None = None) -> Snapshot:
    """Read the whole picture; `only` restricts the queues to those names."""
    names = queues.names() if only is None else list(dict.fromkeys(only))
    totals = stats.totals()
    soonest = delayed.timestamps(0, 1)
    return Snapshot(
        taken_at=redis_now(),
        queues=queue_state.describe(names),
        workers=[_worker(w) for w in worker_registry.all()],
        processed=totals["processed"],
        failed=totals["failed"],
        failures=failures.count(),
        delayed=delayed.count(),
        next_delayed_at=soonest[0][0] if soonest else None,
    )


def _worker(info: WorkerInfo) -> WorkerState:
    record = info.job or {}
    payload = record.get("payload")
    name = payload.get("class") if isinstance(payload, dict) else None
    queue, run_at = record.get("queue"), record.get("run_at")
    return WorkerState(
        id=info.id,
        host=info.host,
        pid=info.pid,
        state=info.state,
        stale=info.is_stale,
        queues=info.queues,
        queue=queue if isinstance(queue, str) else None,
        job=name if isinstance(name, str) else None,
        since=_since(info, run_at),
    )


def _since(info: WorkerInfo, run_at: Any) -> datetime | None:
    if info.job is None:
        return info.started_at
    return parse_time(run_at) if isinstance(run_at, str) else None
