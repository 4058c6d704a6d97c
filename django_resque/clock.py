"""The worker's clock for process titles: formatted at most once a second.

Titles have one second resolution, and formatting a datetime per job was measurable on the
no-fork hot path, so each rendering is cached for the second it names. (Resque's run_at and the
status hash's started_at come from Redis TIME in lua/reserve.lua.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

_cache: dict[str, tuple[int, str]] = {}


def _per_second(kind: str, render: Callable[[float], str]) -> str:
    second = int(time.time())
    cached = _cache.get(kind)
    if cached is None or cached[0] != second:
        cached = (second, render(second))
        _cache[kind] = cached
    return cached[1]


def local_now() -> str:
    """Now in local time as Resque's process titles show it."""
    return _per_second("local", lambda s: f"{datetime.fromtimestamp(s):%Y-%m-%d %H:%M:%S}")
