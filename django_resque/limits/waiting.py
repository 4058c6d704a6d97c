"""Read what a limit's waiting list and a payload's `limits` field hold, whatever they hold.

An item of `wait:slots:<k>` or `wait:rate:<k>` is `<queue>\\n<payload JSON>`. Another client
(or an attacker) may have left anything there: an item without a newline, a payload that is
not JSON or not UTF-8, a `limits` field of any shape. Each reader here returns what it can
tell, or None, and never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django_resque.storage.codec import json_or, to_text

PAYLOAD_BYTES = 4000  # of a payload kept as text when it is not JSON
NAME_CHARS = 200  # of a queue name, job name or job id


@dataclass(frozen=True, slots=True)
class WaitingJob:
    queue: str
    job_name: str
    job_id: str
    payload: Any  # the parsed JSON payload, or codec.UNREADABLE
    raw: str  # the payload's text, cut at PAYLOAD_BYTES (shown when it is not JSON)


def waiting_job(item: bytes) -> WaitingJob:
    """Describe one waiting item; one without a queue or a JSON payload is still described."""
    queue, cut, raw = item.partition(b"\n")
    if not cut:
        queue, raw = b"", item
    payload = json_or(raw)
    name = job_id = ""
    if isinstance(payload, dict):
        name = _short(payload.get("class", ""))
        job_id = _short(payload.get("id", ""))
    return WaitingJob(_short(to_text(queue)), name, job_id, payload, to_text(raw[:PAYLOAD_BYTES]))


def limits_field(payload: Any) -> dict[str, Any]:
    """A payload's `limits` field if it is an object, else {} (a payload may be JSON text)."""
    if isinstance(payload, bytes | str):
        payload = json_or(payload, None)
    field = payload.get("limits") if isinstance(payload, dict) else None
    return field if isinstance(field, dict) else {}


def slot_max(payload: Any, k: str) -> int | None:
    """The size of concurrency limit `k` as this payload's `limits` field states it."""
    slots = limits_field(payload).get("slots")
    for entry in slots if isinstance(slots, list) else []:
        if isinstance(entry, dict) and entry.get("key") == k:
            return whole(entry.get("max"))
    return None


def rate_of(payload: Any, k: str) -> tuple[int | None, int | None]:
    """(max, per seconds) of rate limit `k` as this payload's `limits` field states them."""
    rate = limits_field(payload).get("rate")
    if not isinstance(rate, dict) or rate.get("key") != k:
        return None, None
    return whole(rate.get("max")), whole(rate.get("per"))


def stored_max(value: bytes | None) -> tuple[int | None, int | None]:
    """(n, per) of a `max` hash value: `n` for slots, `n/per` for a rate window."""
    if value is None:
        return None, None
    n, _, per = to_text(value).partition("/")
    return whole(n), whole(per) if per else None


def whole(value: Any) -> int | None:
    """A positive whole number from JSON or text, else None (true, "lots", -1, 1e999)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) < 20:
        try:
            value = int(value)
        except ValueError:
            return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 2**63 else None


def _short(value: Any) -> str:
    """A name or id as text: a string cut at NAME_CHARS, a number spelled, anything else ""."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value[:NAME_CHARS] if isinstance(value, str) else ""
