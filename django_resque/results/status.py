"""Job status and results: one Redis hash per job id, so a page can poll for what became of it.

The hash `<ns>:dj:job:<id>` (Keys.job) holds `status` (queued, scheduled, running, retrying,
succeeded, failed), `job`, `queue`, `enqueued_at`, `started_at`, `finished_at` (ISO-8601 UTC),
`attempts`, `worker_ids` (JSON list), `result` (JSON) and `errors` (JSON list of
`{"exception","error","backtrace"}`). Enqueue writes it; the worker's parent process updates it in
the same Lua script that records the outcome; it expires RESULT_TTL seconds after a terminal state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django_resque.conf import get_config
from django_resque.storage.clock import utc_now_micro
from django_resque.storage.codec import json_or, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

QUEUED, SCHEDULED, RUNNING, RETRYING = "queued", "scheduled", "running", "retrying"
SUCCEEDED, FAILED = "succeeded", "failed"
TERMINAL = frozenset({SUCCEEDED, FAILED})
_INT_FIELDS = ("attempts",)


@dataclass(frozen=True, slots=True)
class JobStatus:
    """What is known about one enqueued call; times are ISO-8601 UTC strings."""

    id: str
    status: str
    job: str = ""
    queue: str = ""
    enqueued_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int = 0
    worker_ids: list[str] = field(default_factory=list)
    result: Any = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as plain JSON-ready data (what the status view sends)."""
        return {
            "id": self.id,
            "status": self.status,
            "job": self.job,
            "queue": self.queue,
            "enqueued_at": self.enqueued_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "attempts": self.attempts,
            "worker_ids": self.worker_ids,
            "result": self.result,
            "errors": self.errors,
        }


def now_iso() -> str:
    """Return the current UTC time as the status hash stores it (ISO-8601, microseconds, Z)."""
    return utc_now_micro()


def result_ttl() -> int:
    """Return RESQUE["RESULT_TTL"] as whole seconds (0 means keep no result after finishing)."""
    return int(get_config()["RESULT_TTL"])


def get(job_id: str) -> JobStatus | None:
    """Return a job's status, or None if it is unknown, expired or stored no status."""
    raw = get_redis().hgetall(get_keys().job(job_id))
    if not raw:
        return None
    return parse(job_id, {to_text(k): to_text(v) for k, v in raw.items()})


def parse(job_id: str, fields: dict[str, str]) -> JobStatus:
    """Build a JobStatus from the hash's text fields, tolerating missing or damaged ones."""
    return JobStatus(
        id=job_id,
        status=fields.get("status", QUEUED),
        job=fields.get("job", ""),
        queue=fields.get("queue", ""),
        enqueued_at=fields.get("enqueued_at"),
        started_at=fields.get("started_at"),
        finished_at=fields.get("finished_at"),
        attempts=_int(fields.get("attempts")),
        worker_ids=_json(fields.get("worker_ids"), []),
        result=_json(fields.get("result"), None),
        errors=_json(fields.get("errors"), []),
    )


StatusFields = tuple[str, list[str]]  # the status hash key, then [job name, enqueued_at]


def enqueued_fields(job_id: str, job_name: str) -> StatusFields:
    """What enqueue.lua needs to write a job's first status (queued) in the push's own call."""
    return get_keys().job(job_id), [job_name, now_iso()]


def wait(job_id: str, timeout: float, *, interval: float = 0.1) -> JobStatus | None:
    """Poll until the job finishes or `timeout` seconds pass; return the last status seen."""
    deadline = time.monotonic() + timeout
    current = get(job_id)
    while (current is None or not current.is_finished) and time.monotonic() < deadline:
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        current = get(job_id)
    return current


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _json(value: str | None, default: Any) -> Any:
    return default if value is None else json_or(value, default)
