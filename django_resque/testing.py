"""Helpers for your own tests: see what was enqueued, and perform it without a worker.

They talk to the Redis in RESQUE (point your test settings at a test Redis: `clear()` empties
every queue of the namespace). Jobs are performed in-process exactly as a worker's does: taken
by the worker's reserve script (which marks the status hash running, and skips paused queues)
under a worker id registered for the call, then registry lookup, model references fetched
afresh, hooks, and the outcome recorded (a failure lands in the failed list, a job with retries
left is scheduled for its next attempt).
For tests that need no Redis at all, set RESQUE["INLINE"] = True: `.delay()` runs the job.

Inside a test that pytest-django (or TestCase) wraps in a transaction, `.delay()` waits for a
commit that never comes: use `django_capture_on_commit_callbacks(execute=True)`
(`TestCase.captureOnCommitCallbacks`), `transaction=True`, or RESQUE["ENQUEUE_ON_COMMIT"] = False.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from django_resque.jobs.arguments import freeze
from django_resque.jobs.definition import Job
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload, decode
from django_resque.jobs.perform import perform
from django_resque.queues import lists as queues
from django_resque.queues import priority
from django_resque.storage.keys import get_keys
from django_resque.worker import finish
from django_resque.worker.registration import register, unregister
from django_resque.worker.reservation import Reservation

__all__ = [
    "JobFailedError",
    "assert_enqueued",
    "assert_not_enqueued",
    "clear",
    "enqueued",
    "perform_enqueued",
]

PERFORM_LIMIT = 10_000


class JobFailedError(AssertionError):
    """Raised by perform_enqueued when a job failed, with its error and backtrace."""


def enqueued(job: Job[Any, Any] | str | None = None, *, queue: str | None = None) -> list[Payload]:
    """Return the payloads waiting on `queue` (default: every queue), optionally of one job,
    in the order a worker takes them (prioritised django.tasks included)."""
    names = [queue] if queue is not None else queues.names()
    found = [decode(raw) for name in names for raw in priority.waiting(name, PERFORM_LIMIT)]
    wanted = _job_name(job)
    return [p for p in found if wanted is None or p.job_name == wanted]


def assert_enqueued(
    job: Job[Any, Any] | str, *args: Any, queue: str | None = None, **kwargs: Any
) -> Payload:
    """Assert that `job` was enqueued with exactly these arguments; return its payload."""
    expected_args, expected_kwargs = freeze(list(args)), freeze(kwargs)
    candidates = enqueued(job, queue=queue)
    for payload in candidates:
        if payload.args == expected_args and payload.kwargs == expected_kwargs:
            return payload
    seen = [(p.args, p.kwargs) for p in candidates] or "nothing"
    raise AssertionError(
        f"{_job_name(job)} was not enqueued with args={expected_args} kwargs={expected_kwargs}; "
        f"found {seen}."
    )


def assert_not_enqueued(job: Job[Any, Any] | str, *, queue: str | None = None) -> None:
    """Assert that no payload of `job` waits on `queue` (default: any queue)."""
    found = enqueued(job, queue=queue)
    if found:
        raise AssertionError(f"{_job_name(job)} was enqueued {len(found)} time(s): {found}")


def perform_enqueued(
    queue: str | None = None, *, raise_failures: bool = True, limit: int = PERFORM_LIMIT
) -> list[Outcome]:
    """Perform every waiting payload, including those the jobs enqueue, until none are left.

    Returns the outcomes in order. A failed job raises JobFailedError after the others ran,
    unless `raise_failures=False`.
    """
    outcomes = _perform_as_worker([queue] if queue is not None else ["*"], limit)
    failed = [o for o in outcomes if not o.ok]
    if failed and raise_failures:
        first = failed[0]
        raise JobFailedError(
            f"{len(failed)} job(s) failed; first: {first.exception}: {first.error}\n"
            + "\n".join(first.backtrace)
        )
    return outcomes


def clear() -> int:
    """Empty every queue of the namespace; return how many payloads were dropped."""
    return sum(queues.clear(name) for name in queues.names())


def _perform_as_worker(patterns: list[str], limit: int) -> list[Outcome]:
    """Do what a worker does with each payload: reserve (status running), perform, record."""
    worker_id = f"{socket.gethostname()}:{os.getpid()}:testing"
    token = uuid.uuid4().hex
    reservation = Reservation(worker_id, patterns, 0.0, get_keys())  # globs resolved every take
    outcomes: list[Outcome] = []
    register(worker_id, token)
    try:
        while len(outcomes) < limit:
            taken = reservation.take(0, token, None)
            if not isinstance(taken, tuple):
                break
            queue, raw = taken
            outcomes.append(finish.record(raw, perform(raw), queue=queue, worker_id=worker_id))
    finally:
        unregister(worker_id, 0)
    return outcomes


def _job_name(job: Job[Any, Any] | str | None) -> str | None:
    return job.name if isinstance(job, Job) else job
