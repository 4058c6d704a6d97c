"""JobHandle: what .delay() returns, to ask about one enqueued call later."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_resque.results.status import JobStatus


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class JobHandle:
    """What .delay() returns: the id of this enqueued call, to poll its status and result.

    `enqueued` is False when a before_enqueue hook returned False (nothing was pushed).
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

    def wait(self, timeout: float = 30.0) -> JobStatus | None:
        """Poll until the job succeeds or fails, or `timeout` seconds pass; return its status."""
        from django_resque.results import status

        return status.wait(self.id, timeout) if self.id else None
