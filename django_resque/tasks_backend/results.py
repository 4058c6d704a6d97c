"""Task results: the job status hash (results/status.py), plus what django.tasks needs.

The hash `Keys.job(id)` holds the status contract (`status`, `job`, `queue`, `enqueued_at`,
`started_at`, `finished_at`, `attempts`, `worker_ids`, `result`, `errors`), which the worker's
parent keeps up to date for every job (worker/finish.py); ResqueBackend adds `task_path`,
`task_args`, `task_kwargs` and `task_backend` at enqueue so get_result can rebuild a TaskResult in
one round trip.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import redis

from django_resque.storage.codec import json_or, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys


def create(result_id: str, fields: dict[str, Any]) -> None:
    """Write the first version of a result (status queued or scheduled)."""
    record = {"attempts": 0, "worker_ids": "[]", "errors": "[]", **fields}
    get_redis().hset(get_keys().job(result_id), mapping=_encode(record))


def discard(result_id: str) -> None:
    """Forget a result whose task could not be stored (best effort: Redis may be down)."""
    with contextlib.suppress(redis.RedisError):  # the enqueue error is raised to the caller
        get_redis().delete(get_keys().job(result_id))


def read(result_id: str) -> dict[str, Any] | None:
    """Return the stored fields, JSON fields decoded; None if there is no such result."""
    raw = get_redis().hgetall(get_keys().job(result_id))
    if not raw:
        return None
    record: dict[str, Any] = {to_text(k): to_text(v) for k, v in raw.items()}
    for name in ("worker_ids", "errors", "result", "task_args", "task_kwargs"):
        if name in record:
            record[name] = json_or(record[name], None)  # damaged by hand: show what we can
    return record


def _encode(fields: dict[str, Any]) -> dict[Any, Any]:
    return {
        k: v if isinstance(v, str) and k not in {"result"} else json.dumps(v)
        for k, v in fields.items()
    }
