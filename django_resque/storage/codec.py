"""Bytes and text as Redis hands them over: one place that turns replies into str or bytes.

redis-py returns bytes (the connection does not decode, so payloads keep their exact bytes),
while a few callers already hold str. Text is decoded as UTF-8 with replacement: anything another
Resque client wrote can be shown, never raising on a stray byte.
"""

from __future__ import annotations


def to_text(value: bytes | str) -> str:
    """Return a Redis reply as str (UTF-8, undecodable bytes replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def to_bytes(value: bytes | str) -> bytes:
    """Return a Redis reply as bytes (str encoded as UTF-8), e.g. a payload to push back."""
    return value.encode("utf-8") if isinstance(value, str) else value
