"""The payload: the JSON object a Resque queue holds for one enqueued call.

Wire format, as Ruby resque writes it: `{"class":"<job name>","args":[...]}` encoded compactly
(`,` and `:` separators, no spaces) with non-ASCII kept as UTF-8, keys in that order. Fields that
only django_resque reads come after them: `kwargs` (when any are given) and `id`, then the
extras (among them `queue_time`, php-resque's field: epoch seconds when the payload becomes
runnable, from which queue waits count). Every consumer in the Resque family ignores fields it
does not know.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django_resque.exceptions import MalformedPayload
from django_resque.jobs.registry import is_job_name

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_JOB_ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


@dataclass(frozen=True, slots=True)
class Payload:
    job_name: str
    args: list[Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        """Return the compact JSON that goes on a queue."""
        obj: dict[str, Any] = {"class": self.job_name, "args": self.args}
        if self.kwargs:
            obj["kwargs"] = self.kwargs
        if self.id is not None:
            obj["id"] = self.id
        obj.update(self.extras)
        return _encoder.encode(obj)


def new_job_id() -> str:
    """Return a random 128-bit job id as 32 hex digits (os.urandom: a quarter of uuid4's cost)."""
    return os.urandom(16).hex()


def to_json_args(
    args: Sequence[Any], kwargs: Mapping[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """Check that arguments survive a JSON round trip; raise TypeError saying what to pass."""
    for index, value in enumerate(args):
        _check(value, f"args[{index}]")
    for name, value in kwargs.items():
        _check(value, f"kwargs[{name!r}]")
    return list(args), dict(kwargs)


def _check(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"Job argument {where} is {value!r}, which JSON cannot carry.")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"Job argument {where} has the key {key!r}; JSON object keys must be "
                    "strings, so pass str(key)."
                )
            _check(item, f"{where}[{key!r}]")
        return
    raise TypeError(
        f"Job argument {where} is a {type(value).__module__}.{type(value).__qualname__}, which "
        f"JSON cannot carry. {_advice(value)}"
    )


def _advice(value: Any) -> str:
    kind = type(value).__name__
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return "Pass its primary key (obj.pk) and fetch the row inside the job."
    if kind in {"datetime", "date", "time"}:
        return "Pass an ISO 8601 string (value.isoformat()) instead."
    if kind in {"Decimal", "UUID"}:
        return "Pass str(value) instead."
    if isinstance(value, bytes | bytearray):
        return "Pass text, or base64-encode the bytes."
    if isinstance(value, set | frozenset):
        return "Pass a list instead."
    return "Pass strings, numbers, booleans, None, lists or dicts with string keys."


def decode(raw: bytes | str) -> Payload:
    """Parse a payload read from Redis; raise MalformedPayload if it is not a Resque job.

    Whatever the bytes are, this raises nothing else: JSON nested too deep to parse, text that is
    not UTF-8 or holds a lone surrogate (which no later write could encode), a `class` that is
    no job name (a NUL or a newline would break process titles and log lines) and an `id` that
    no status key or log line should carry are all malformed.
    """
    obj = _parse(raw)
    if not isinstance(obj, dict):
        raise MalformedPayload(f"payload is not a JSON object: {_preview(raw)}")
    name, args = obj.get("class"), obj.get("args", [])
    if not is_job_name(name):
        raise MalformedPayload(f"payload 'class' is not a job name: {_preview(raw)}")
    if not isinstance(args, list):
        raise MalformedPayload(f"payload 'args' is not a list: {_preview(raw)}")
    kwargs = obj.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise MalformedPayload(f"payload 'kwargs' is not an object: {_preview(raw)}")
    job_id = obj.get("id")
    if isinstance(job_id, str) and not _JOB_ID.fullmatch(job_id):
        raise MalformedPayload(f"payload 'id' is not a job id: {_preview(raw)}")
    extras = {k: v for k, v in obj.items() if k not in {"class", "args", "kwargs", "id"}}
    return Payload(name, args, kwargs, job_id if isinstance(job_id, str) else None, extras)


def _parse(raw: bytes | str) -> Any:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        obj = json.loads(text, parse_constant=_refuse_constant)
        if isinstance(raw, str) or "\\u" in text:  # what can still hold a lone surrogate
            _encoder.encode(obj).encode("utf-8")
    except RecursionError as exc:
        raise MalformedPayload(f"payload is nested too deep to parse: {_preview(raw)}") from exc
    except (UnicodeError, ValueError) as exc:
        raise MalformedPayload(f"payload is not UTF-8 JSON: {_preview(raw)}") from exc
    return obj


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: a payload holding them could never be written back."""
    raise ValueError(f"{name} is not JSON")


def decode_or_none(raw: bytes | str) -> Payload | None:
    """Decode a payload, or return None if it is malformed (the caller records it as such)."""
    try:
        return decode(raw)
    except MalformedPayload:
        return None


def _preview(raw: bytes | str, limit: int = 200) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return repr(text[:limit] + ("…" if len(text) > limit else ""))
