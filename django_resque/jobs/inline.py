"""INLINE mode (RESQUE["INLINE"], for tests): a payload is performed where it is sent.

.delay(), enqueue_many() and the Tasks backend ask `enabled()` before they push; when it is
on they call `perform()` instead, so the job has run (hooks included) when the call returns.
"""

from __future__ import annotations

from typing import Any

from django_resque.conf import get_config
from django_resque.exceptions import UnknownJob
from django_resque.groups import records
from django_resque.jobs import membership
from django_resque.jobs.payload import decode
from django_resque.jobs.perform import perform_now
from django_resque.jobs.registry import get_job


def enabled() -> bool:
    """Return True when RESQUE["INLINE"] performs jobs inside .delay() (test mode)."""
    return bool(get_config()["INLINE"])


def perform(encoded: str) -> Any:
    """Perform a payload here and now, hooks included; the job's exception reaches the caller.

    A member of a group joins it first and reports to it after: a group that ends then
    performs its callbacks here too.
    """
    payload = decode(encoded)
    definition = get_job(payload.job_name)
    if definition is None:
        raise UnknownJob(f"No job is registered as {payload.job_name!r}.")
    group = membership.group_of(payload.extras)
    if group is None or payload.id is None:
        return perform_now(definition, payload)
    records.member("join", group, payload.id)
    try:
        result = perform_now(definition, payload)
    except BaseException:
        perform_callbacks(records.member("failed", group, payload.id, hold=True))
        raise
    perform_callbacks(records.member("ok", group, payload.id, hold=True))
    return result


def perform_callbacks(callbacks: list[tuple[str, str]]) -> None:
    """Perform the callbacks of a group that ended in INLINE mode."""
    for _queue, encoded in callbacks:
        perform(encoded)
