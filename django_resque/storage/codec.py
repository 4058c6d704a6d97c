"""Bytes, text and JSON as Redis hands them over: one place that turns replies into Python.

redis-py returns bytes (the connection does not decode, so payloads keep their exact bytes),
while a few callers already hold str. Text is decoded as UTF-8 with replacement: anything another
Resque client wrote can be shown, never raising on a stray byte.
"""

from __future__ import annotations

import json
from typing import Any


def to_text(value: bytes | str) -> str:
    """Return a Redis reply as str (UTF-8, undecodable bytes replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def to_bytes(value: bytes | str) -> bytes:
    """Return a Redis reply as bytes (str encoded as UTF-8), e.g. a payload to push back."""
    return value.encode("utf-8") if isinstance(value, str) else value


UNREADABLE: Any = object()  # what json_or returns by default for a value it cannot parse


def json_or(raw: bytes | str, default: Any = UNREADABLE) -> Any:
    """Parse JSON that Redis holds, or return `default` for anything that cannot be read.

    Whatever another client (or an attacker) stored: not JSON, not UTF-8, or nested deeper than
    the parser goes (RecursionError) all end as `default`, never as an exception.
    """
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return default
