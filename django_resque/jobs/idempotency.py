"""Explicit job ids: `.using(job_id=...)` makes an enqueue safe to retry.

An enqueue whose reply was lost (EnqueueOutcomeUnknown) may or may not have stored its payload.
A call given an explicit id takes a short-lived "seen" key for that id in the enqueue script
itself (`SET NX`, the same step as a unique job's lock, Keys.job_id_seen), before anything is
written: the first attempt that reaches Redis stores the payload, and every later attempt with
that id stores nothing and gets a handle with enqueued=False. The key outlives the retry window
(RESQUE["JOB_ID_TTL"], plus a delayed job's wait), not the job: once it expires, the same id
enqueues again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django_resque.conf import get_config
from django_resque.exceptions import InvalidJob
from django_resque.limits.spec import UniqueLock, lock_of
from django_resque.storage.keys import get_keys

if TYPE_CHECKING:
    from django_resque.limits.spec import Limits

_JOB_ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}")  # the ids a payload's `id` field may hold


def check_job_id(name: str, job_id: object, limits: Limits | None) -> str:
    """Return a valid explicit id, or raise InvalidJob saying what to pass."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise InvalidJob(
            f"{name}.using(job_id={job_id!r}): give 1 to 100 letters, digits, '_', '.' or '-', "
            "such as job_id=f'invoice-{invoice.pk}'."
        )
    if limits is not None and limits.unique in {"until_executing", "until_executed"}:
        raise InvalidJob(
            f"{name}.using(job_id=...): {name} is a unique job (unique={limits.unique!r}), "
            "whose lock already refuses a second copy; enqueue it without an explicit id."
        )
    return job_id


def enqueue_lock(
    extras: dict[str, Any], job_id: str, *, explicit: bool, wait: float = 0.0
) -> UniqueLock | None:
    """The key an enqueue takes with its push: an explicit id's seen key, or a unique job's lock.

    `wait`: seconds a delayed job waits before it is queued, added to the key's lifetime.
    """
    if not explicit:
        return lock_of(extras, job_id, wait=wait)
    ttl_ms = int((max(0.0, wait) + get_config()["JOB_ID_TTL"]) * 1000)
    return UniqueLock(get_keys().job_id_seen(job_id), ttl_ms, job_id)
