"""Promotion of delayed items: given items of one timestamp moved onto their queues, in one script.

The promoted payload is what Ruby's resque-scheduler enqueues, `{"class","args"}`, followed by
whatever other fields the item carried (our `kwargs` and `id`), without the item's `queue`.
The script is fenced by the scheduler's lease (`lease=""` promotes without one: the delayed
API's enqueue_now); the scheduler's loop decides which items are due (scheduler/promotion.py).
"""

from __future__ import annotations

import json
from typing import Any

from django_resque.conf import get_config
from django_resque.exceptions import ResqueError
from django_resque.queues.lists import WAKE_TOKEN_CAP
from django_resque.storage import scripts
from django_resque.storage.codec import json_or
from django_resque.storage.keys import get_keys

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class LeaseLost(ResqueError):
    """Raised when a scheduler finds that another scheduler now holds the leadership."""


def promote(ts: int, raws: list[bytes], *, lease: str) -> int:
    """Move the given items of one timestamp onto their queues in one script."""
    keys = get_keys()
    script_keys = [
        keys.delayed_schedule(),
        keys.delayed(ts),
        keys.queues(),
        keys.scheduler_leader(),
    ]
    script_args: list[Any] = [ts, lease, WAKE_TOKEN_CAP, keys.delayed_member(ts), keys.job_prefix()]
    for raw in raws:
        queue, payload = to_payload(raw)
        script_keys += [
            keys.timestamps(raw.decode("utf-8", "replace")),
            keys.queue(queue),
            keys.wake(queue),
        ]
        script_args += [raw, queue, payload]
    moved = int(scripts.run("delayed_promote", script_keys, script_args))
    if moved < 0:
        raise LeaseLost("another scheduler holds the lease")
    return moved


def to_payload(raw: bytes) -> tuple[str, bytes]:
    """Return (queue, payload) for a delayed item of any Resque family member.

    An item that is not a job object goes, as it is, to the default queue, where a worker
    records it as a failure: nothing is dropped silently.
    """
    obj = json_or(raw, None)  # what cannot be read is passed on for a worker to fail
    if not isinstance(obj, dict) or not isinstance(obj.get("class"), str):
        return get_config()["DEFAULT_QUEUE"], raw
    queue = obj.get("queue")
    if not isinstance(queue, str) or not queue:
        queue = _queue_of(obj["class"])
    payload = {"class": obj["class"], "args": obj.get("args", [])}
    payload.update((k, v) for k, v in obj.items() if k not in {"class", "args", "queue"})
    try:
        return queue, _encoder.encode(payload).encode("utf-8")
    except ValueError:  # NaN or Infinity, which Ruby may write: pass it on untouched
        return queue, raw


def _queue_of(job_name: str) -> str:
    from django_resque.jobs.registry import get_job

    definition = get_job(job_name)
    return definition.queue_name if definition else str(get_config()["DEFAULT_QUEUE"])
