"""JobHandle: what .delay() returns, to ask about one enqueued call later."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse

from django_resque.results import tokens
from django_resque.results.tokens import DEFAULT_LIFETIME

if TYPE_CHECKING:
    from django_resque.results.status import JobStatus


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class JobHandle:
    """What .delay() returns: the id of this enqueued call, to poll its status and result.

    `enqueued` is False when nothing was pushed: a before_enqueue hook returned False, or the
    job is unique and another copy holds its lock (`id` is then that copy's id, so `status` and
    `wait()` follow the job that will run; docs/limits.md).
    """

    id: str
    job_name: str
    queue: str
    enqueued: bool = True

    def info(self) -> JobStatus | None:
        """Return the job's whole status record, or None (unknown, expired, or not stored)."""
        from django_resque.results import status

        return status.get(self.id) if self.id else None

    @property
    def status(self) -> str | None:
        """queued, scheduled, running, retrying, succeeded or failed; None when unknown."""
        current = self.info()
        return current.status if current else None

    @property
    def result(self) -> Any:
        """The job's return value once it succeeded, else None."""
        current = self.info()
        return current.result if current and current.status == "succeeded" else None

    def status_token(self, expires_in: timedelta = DEFAULT_LIFETIME) -> str:
        """Return a signed token that lets its bearer poll this job's status, until it expires.

        For a page that a site user (not staff) polls for the job it asked for: the status
        view accepts `?token=...` for this one job instead of a staff login.
        """
        return tokens.sign(self.id, expires_in)

    def status_url(self, expires_in: timedelta = DEFAULT_LIFETIME) -> str:
        """Return the path of the status view for this job with a signed token (status_token).

        Needs `django_resque.urls` included in the project's URLconf (namespace django_resque).
        """
        path = reverse("django_resque:job_status", args=[self.id])
        return f"{path}?{urlencode({'token': self.status_token(expires_in)})}"

    def wait(self, timeout: float = 30.0) -> JobStatus | None:
        """Poll until the job succeeds or fails, or `timeout` seconds pass; return its status."""
        from django_resque.results import status

        return status.wait(self.id, timeout) if self.id else None
