"""Jobs processed and failed per minute, kept a day, for the admin's Overview chart.

Each minute has one counter key per kind (`Keys.minute_stat`) with a TTL, so the data cleans
itself up and reading N minutes is one MGET. The worker's reserve script counts `processed`
(failures included, as Resque's `stat:processed` does); job_finish.lua counts `failed`
(final failures only, as `stat:failed`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

# How long a minute's counters live; reserve.lua and job_finish.lua EXPIRE with this number.
RETENTION_SECONDS = 25 * 3600
MAX_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class Point:
    minute: datetime
    processed: int
    failed: int


def minute_of(now: float | None = None) -> int:
    """Return the minute number (seconds since the epoch // 60) that counters are keyed by."""
    return int((time.time() if now is None else now) // 60)


def series(minutes: int, now: float | None = None) -> list[Point]:
    """Return the last `minutes` minutes (clamped to a day), oldest first, zeros where idle."""
    minutes = min(max(minutes, 1), MAX_MINUTES)
    last = minute_of(now)
    numbers = range(last - minutes + 1, last + 1)
    keys = get_keys()
    names = [keys.minute_stat("processed", m) for m in numbers]
    names += [keys.minute_stat("failed", m) for m in numbers]
    values = [int(v or 0) for v in get_redis().mget(names)]
    return [
        Point(datetime.fromtimestamp(m * 60, UTC), values[i], values[minutes + i])
        for i, m in enumerate(numbers)
    ]
