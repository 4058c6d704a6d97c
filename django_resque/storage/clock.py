"""Formatted clocks: process titles and the times the status hash stores from this process.

Formatting a datetime per job was measurable on the enqueue and no-fork hot paths, so each
rendering of a whole second is cached for the second it names; the status hash's microseconds
are appended to the cached second. (Resque's run_at and the status hash's started_at come from
Redis TIME in lua/reserve.lua.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_cache: dict[str, tuple[int, str]] = {}


def _per_second(kind: str, render: Callable[[float], str], second: int | None = None) -> str:
    if second is None:
        second = int(time.time())
    cached = _cache.get(kind)
    if cached is None or cached[0] != second:
        cached = (second, render(second))
        _cache[kind] = cached
    return cached[1]


def local_now() -> str:
    """Now in local time as Resque's process titles show it."""
    return _per_second("local", lambda s: f"{datetime.fromtimestamp(s):%Y-%m-%d %H:%M:%S}")


def utc_now_micro() -> str:
    """Now in UTC as the status hash stores times: `2026-11-25T03:04:05.123456Z`."""
    now = time.time()
    second = int(now)
    whole = _per_second(
        "utc-micro", lambda s: f"{datetime.fromtimestamp(s, UTC):%Y-%m-%dT%H:%M:%S}", second
    )
    return f"{whole}.{int((now - second) * 1_000_000):06d}Z"
