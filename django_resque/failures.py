"""Failure records: what failed, why, where; in Resque's `failed` list with Ruby's fields."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django_resque import timeline
from django_resque.connection import get_redis
from django_resque.keys import get_keys
from django_resque.outcome import Outcome

RUBY_TIME_FORMAT = "%Y/%m/%d %H:%M:%S %Z"


def build(raw_payload: bytes, outcome: Outcome, *, queue: str, worker_id: str) -> dict[str, Any]:
    """Return a failure record with Ruby's keys, in Ruby's order and formats."""
    return {
        "failed_at": datetime.now().astimezone().strftime(RUBY_TIME_FORMAT),
        "payload": payload_object(raw_payload),
        "exception": outcome.exception,
        "error": outcome.error,
        "backtrace": outcome.backtrace,
        "worker": worker_id,
        "queue": queue,
    }


def payload_object(raw: bytes) -> Any:
    """Return the payload as JSON to embed in a record; a malformed one is kept as a string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def save(record: dict[str, Any]) -> None:
    """Append a record to the failed list and count it, globally and for its worker."""
    keys = get_keys()
    with get_redis().pipeline() as pipe:
        pipe.rpush(keys.failed(), json.dumps(record, separators=(",", ":"), ensure_ascii=False))
        pipe.incr(keys.stat("failed"))
        pipe.incr(keys.stat("failed", record["worker"]))
        timeline.count_failed(pipe)
        pipe.execute()


def count() -> int:
    """Return how many failure records there are."""
    return int(get_redis().llen(get_keys().failed()))


def page(start: int = 0, count: int = 20) -> list[dict[str, Any]]:
    """Return up to `count` records from position `start`, oldest first."""
    raws = get_redis().lrange(get_keys().failed(), start, start + count - 1) if count > 0 else []
    return [json.loads(r) for r in raws]
