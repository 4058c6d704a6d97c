"""Django signals the library sends about jobs, with receivers that log them.

* `job_enqueued` (in the enqueuing process, after Redis has the payload):
  sender=Job, job_id, job_name, queue, args, kwargs.
* `job_started` (in the process performing the job): sender=Job, job_id, job_name, args,
  kwargs, attempt.
* `job_finished` (performing process, after success): the same plus `result`.
* `job_failed` (performing process; the worker itself for a child that died): the same plus
  `exception` (the exception, or None after a dirty exit), `error` (text) and `will_retry`.

Receivers run inside the job's boundary: an exception in one fails the job like the job's own.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal, receiver

job_enqueued = Signal()
job_started = Signal()
job_finished = Signal()
job_failed = Signal()

logger = logging.getLogger(__name__)


@receiver(job_enqueued, dispatch_uid="django_resque.log_enqueued")
def _log_enqueued(sender: Any, *, job_id: str, job_name: str, queue: str, **kw: Any) -> None:
    logger.debug("event=enqueued job=%s id=%s queue=%s", job_name, job_id, queue)


@receiver(job_started, dispatch_uid="django_resque.log_started")
def _log_started(sender: Any, *, job_id: str, job_name: str, attempt: int, **kw: Any) -> None:
    logger.debug("event=started job=%s id=%s attempt=%s", job_name, job_id, attempt)


@receiver(job_finished, dispatch_uid="django_resque.log_finished")
def _log_finished(sender: Any, *, job_id: str, job_name: str, attempt: int, **kw: Any) -> None:
    logger.info("event=finished job=%s id=%s attempt=%s", job_name, job_id, attempt)


@receiver(job_failed, dispatch_uid="django_resque.log_failed")
def _log_failed(
    sender: Any,
    *,
    job_id: str,
    job_name: str,
    attempt: int,
    error: str,
    will_retry: bool,
    **kw: Any,
) -> None:
    logger.warning(
        "event=failed job=%s id=%s attempt=%s will_retry=%s error=%s",
        job_name,
        job_id,
        attempt,
        will_retry,
        error,
    )
