"""Django signals the library sends about jobs, and the log line that goes with each.

A failure is the exception: the worker that records it logs it, once, as `event=failed`
(worker/finish.py), where it knows whether the job will be retried.

* `job_enqueued` (in the enqueuing process, after Redis has the payload):
  sender=Job, job_id, job_name, queue, args, kwargs.
* `job_started` (in the process performing the job): sender=Job, job_id, job_name, args,
  kwargs, attempt.
* `job_finished` (performing process, after success): the same plus `result`.
* `job_failed` (performing process; the worker itself for a child that died): the same plus
  `exception` (the exception, or None after a dirty exit), `error` (text) and `will_retry`.

Receivers run inside the job's boundary: an exception in one fails the job like the job's own.

Every job sends two or three of these, so the senders below are on the hot path: each logs
directly (the logger's level is checked first) and builds the signal's arguments only when a
receiver is connected. Connecting no receiver costs a job nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job

job_enqueued = Signal()
job_started = Signal()
job_finished = Signal()
job_failed = Signal()

logger = logging.getLogger(__name__)


def enqueued(
    definition: Job[Any, Any],
    job_id: str,
    queue: str,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
) -> None:
    """Log and send job_enqueued."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("event=enqueued job=%s id=%s queue=%s", definition.name, job_id, queue)
    if job_enqueued.receivers:
        job_enqueued.send(
            sender=definition,
            job_id=job_id,
            job_name=definition.name,
            queue=queue,
            args=list(args),
            kwargs=dict(kwargs),
        )


def started(definition: Job[Any, Any], info: JobInfo) -> None:
    """Log and send job_started."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("event=started job=%s id=%s attempt=%s", *info.logged())
    if job_started.receivers:
        job_started.send(sender=definition, **info.as_kwargs())


def finished(definition: Job[Any, Any], info: JobInfo, result: Any) -> None:
    """Log and send job_finished."""
    if logger.isEnabledFor(logging.INFO):
        logger.info("event=finished job=%s id=%s attempt=%s", *info.logged())
    if job_finished.receivers:
        job_finished.send(sender=definition, result=result, **info.as_kwargs())


def failed(
    definition: Job[Any, Any],
    info: JobInfo,
    *,
    exception: BaseException | None,
    error: str,
    will_retry: bool,
) -> None:
    """Send job_failed; a receiver that raises is logged, never re-raised.

    Nothing is logged here: the worker logs the failure as it records it (worker/finish.py).
    """
    if job_failed.receivers:  # send_robust: Django logs a receiver's exception
        job_failed.send_robust(
            sender=definition,
            exception=exception,
            error=error,
            will_retry=will_retry,
            **info.as_kwargs(),
        )


@dataclass(slots=True)
class JobInfo:
    """What the perform-time signals say about one attempt, turned into kwargs only if needed."""

    job_id: str
    job_name: str
    args: list[Any]
    kwargs: dict[str, Any]
    attempt: int

    def logged(self) -> tuple[str, str, int]:
        return self.job_name, self.job_id, self.attempt

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "job_name": self.job_name,
            "args": self.args,
            "kwargs": self.kwargs,
            "attempt": self.attempt,
        }
