"""INLINE mode (RESQUE["INLINE"], for tests): a payload is performed where it is sent.

.delay(), enqueue_many() and the Tasks backend ask `enabled()` before they push; when it is
on they call `perform()` instead, so the job has run (hooks included) when the call returns.
"""

from __future__ import annotations

from typing import Any

from django_resque.conf import get_config
from django_resque.exceptions import UnknownJob
from django_resque.jobs.payload import decode
from django_resque.jobs.perform import perform_now
from django_resque.jobs.registry import get_job


def enabled() -> bool:
    """Return True when RESQUE["INLINE"] performs jobs inside .delay() (test mode)."""
    return bool(get_config()["INLINE"])


def perform(encoded: str) -> Any:
    """Perform a payload here and now, hooks included; the job's exception reaches the caller."""
    payload = decode(encoded)
    definition = get_job(payload.job_name)
    if definition is None:
        raise UnknownJob(f"No job is registered as {payload.job_name!r}.")
    return perform_now(definition, payload)
