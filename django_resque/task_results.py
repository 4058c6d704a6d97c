"""Task results: one Redis hash per job id, so get_result is a single round trip.

The hash is issue 5's job-status contract (`Keys.job(id)`): `status` (queued | scheduled |
running | succeeded | failed), `job`, `queue`, `enqueued_at`, `started_at`, `finished_at`
(ISO-8601 UTC), `attempts`, `worker_ids` (JSON list), `result` (JSON), `errors` (JSON list of
`{"exception","error","backtrace"}`); the django.tasks backend adds `task_path`, `task_args`,
`task_kwargs`, `task_backend` and `last_attempted_at`. It expires RESULT_TTL seconds after a
terminal state. One worker holds a job at a time, so read-modify-write of a hash is safe.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django_resque.conf import get_config
from django_resque.connection import get_redis
from django_resque.keys import get_keys

TERMINAL = frozenset({"succeeded", "failed"})


def now_iso() -> str:
    """Return the current UTC time in the ISO-8601 form every timestamp field uses."""
    return datetime.now(UTC).isoformat()


def create(result_id: str, fields: dict[str, Any]) -> None:
    """Write the first version of a result (status queued or scheduled)."""
    record = {"attempts": 0, "worker_ids": "[]", "errors": "[]", **fields}
    get_redis().hset(get_keys().job(result_id), mapping=_encode(record))


def read(result_id: str) -> dict[str, Any] | None:
    """Return the stored fields, JSON fields decoded; None if there is no such result."""
    raw = get_redis().hgetall(get_keys().job(result_id))
    if not raw:
        return None
    record: dict[str, Any] = {_text(k): _text(v) for k, v in raw.items()}
    for name in ("worker_ids", "errors", "result", "task_args", "task_kwargs"):
        if name in record:
            record[name] = json.loads(record[name])
    record["attempts"] = int(record.get("attempts", 0))
    return record


def start(result_id: str, worker_id: str) -> dict[str, Any]:
    """Record an attempt: running, by which worker, since when; return the fields."""
    record = read(result_id) or {}
    moment = now_iso()
    update = {
        "status": "running",
        "last_attempted_at": moment,
        "started_at": record.get("started_at") or moment,
        "worker_ids": [*record.get("worker_ids", []), worker_id],
        "attempts": record.get("attempts", 0) + 1,
    }
    _write(result_id, update)
    return {**record, **update}


def finish(
    result_id: str, *, value: Any = None, error: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Record success (with the value) or failure (with one more error); start the TTL."""
    record = read(result_id) or {}
    update: dict[str, Any] = {"finished_at": now_iso()}
    if error is None:
        update.update(status="succeeded", result=value)
    else:
        update.update(status="failed", errors=[*record.get("errors", []), error])
    _write(result_id, update, expire=True)
    return {**record, **update}


def _write(result_id: str, fields: dict[str, Any], *, expire: bool = False) -> None:
    key = get_keys().job(result_id)
    with get_redis().pipeline() as pipe:
        pipe.hset(key, mapping=_encode(fields))
        if expire:
            pipe.expire(key, int(get_config()["RESULT_TTL"]))
        pipe.execute()


def _encode(fields: dict[str, Any]) -> dict[Any, Any]:
    return {
        k: v if isinstance(v, str) and k not in {"result"} else json.dumps(v)
        for k, v in fields.items()
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
