"""One failure record: Ruby's fields and formats, plus the stable id django_resque adds.

Ruby's record is `{"failed_at","payload","exception","error","backtrace","worker","queue"}`; we
append `attempts` and, last, `id` (32 hex), which every Resque tool ignores. The payload is
embedded byte for byte, so a retry puts back exactly the bytes that failed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_resque.jobs.outcome import Outcome
from django_resque.storage.clock import FAILED_AT_FORMAT
from django_resque.storage.codec import UNREADABLE, json_or, to_text

RUBY_TIME_FORMAT = FAILED_AT_FORMAT  # the name the failures API exports
_enc = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Failure:
    """A failure record as read back; `id` addresses it for retry and remove."""

    id: str
    failed_at: str
    payload: Any
    exception: str
    error: str
    backtrace: list[str]
    worker: str
    queue: str
    retried_at: str | None = None
    attempts: int | None = None

    @property
    def job_name(self) -> str:
        return str(self.payload.get("class", "")) if isinstance(self.payload, dict) else ""

    @property
    def args(self) -> list[Any]:
        args = self.payload.get("args") if isinstance(self.payload, dict) else None
        return args if isinstance(args, list) else []

    @property
    def kwargs(self) -> dict[str, Any]:
        kwargs = self.payload.get("kwargs") if isinstance(self.payload, dict) else None
        return kwargs if isinstance(kwargs, dict) else {}


class Record(dict[str, Any]):
    """A new failure record (Ruby's keys) that also remembers the payload's original bytes."""

    raw_payload: bytes = b""

    def encode(self) -> bytes:
        """Return the record as stored: Ruby's key order, payload verbatim, id last."""
        parts = [b'{"failed_at":', _b(self["failed_at"]), b',"payload":', self._payload()]
        for key in ("exception", "error", "backtrace", "worker", "queue"):
            parts += [b',"', key.encode(), b'":', _b(self[key])]
        if self.get("attempts") is not None:
            parts += [b',"attempts":', _b(int(self["attempts"]))]
        parts += [b',"id":"', self["id"].encode(), b'"}']
        return b"".join(parts)

    def _payload(self) -> bytes:
        raw = self.raw_payload
        if json_or(raw) is UNREADABLE:  # not UTF-8 JSON, or nested deeper than the parser goes
            return _b(raw.decode("utf-8", "replace"))
        return raw


def build(
    raw_payload: bytes,
    outcome: Outcome,
    *,
    queue: str,
    worker_id: str,
    attempts: int | None = None,
) -> Record:
    """Return a new failure record with Ruby's keys, in Ruby's order and formats."""
    record = Record(
        failed_at=datetime.now().astimezone().strftime(RUBY_TIME_FORMAT),
        payload=payload_object(raw_payload),
        exception=outcome.exception,
        error=outcome.error,
        backtrace=list(outcome.backtrace),
        worker=worker_id,
        queue=queue,
        attempts=attempts,
        id=uuid.uuid4().hex,
    )
    record.raw_payload = raw_payload
    return record


def payload_object(raw: bytes) -> Any:
    """Return the payload as JSON to embed in a record; a malformed one is kept as a string."""
    obj = json_or(raw)
    return raw.decode("utf-8", "replace") if obj is UNREADABLE else obj


def parse(failure_id: str, raw: bytes | str) -> Failure:
    """Read a stored record (ours, Ruby's, PHP's or Node's) without failing on odd fields."""
    obj = json_or(raw, None)
    if not isinstance(obj, dict):
        obj = {"error": "unreadable failure record", "payload": to_text(raw)}
    backtrace = obj.get("backtrace")
    if isinstance(backtrace, str):
        backtrace = backtrace.splitlines()
    attempts = obj.get("attempts")
    return Failure(
        id=failure_id,
        failed_at=str(obj.get("failed_at") or ""),
        payload=obj.get("payload"),
        exception=str(obj.get("exception") or ""),
        error=str(obj.get("error") or ""),
        backtrace=[str(line) for line in backtrace] if isinstance(backtrace, list) else [],
        worker=str(obj.get("worker") or ""),
        queue=str(obj.get("queue") or ""),
        retried_at=obj.get("retried_at") if isinstance(obj.get("retried_at"), str) else None,
        attempts=attempts if isinstance(attempts, int) and not isinstance(attempts, bool) else None,
    )


def _b(value: Any) -> bytes:
    return _enc.encode(value).encode("utf-8")
