"""Clocks and the time formats of the wire: Redis TIME, Ruby's formats, ISO-8601.

Redis TIME (redis_now) is the one clock every worker and scheduler agrees on: liveness, pruning
and schedule slots are judged by it. Times are written in the forms Ruby's Resque reads:
Time#to_s (RUBY_TIME_FORMAT) for `worker:<id>:started` and resque-scheduler's last_enqueued_at,
FAILED_AT_FORMAT for a failure's failed_at, ISO-8601 for heartbeats, run_at and the status hash.

Formatting a datetime per job was measurable on the enqueue and no-fork hot paths, so each
rendering of a whole second is cached for the second it names; the status hash's microseconds
are appended to the cached second. (Resque's run_at and the status hash's started_at come from
Redis TIME in lua/reserve.lua, formatted by lua/iso_time.lua.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from django_resque.storage.connection import get_redis

RUBY_TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"  # Ruby's Time#to_s: `2026-11-25 03:04:05 +0000`
FAILED_AT_FORMAT = "%Y/%m/%d %H:%M:%S %Z"  # Resque's failed_at: `2026/11/25 03:04:05 UTC`


def redis_now() -> datetime:
    """Return the Redis server's clock (TIME) as an aware UTC datetime, to the microsecond."""
    seconds, micros = get_redis().time()
    return datetime.fromtimestamp(seconds + micros / 1_000_000, UTC)


def ruby_time(moment: datetime) -> str:
    """Return a time as Ruby's Time#to_s writes it, in the moment's own zone."""
    return moment.strftime(RUBY_TIME_FORMAT)


def parse_ruby_time(text: str) -> datetime | None:
    """Parse Ruby's Time#to_s; None if the text is in another form."""
    try:
        return datetime.strptime(text, RUBY_TIME_FORMAT)
    except ValueError:
        return None


def parse_iso(text: str) -> datetime | None:
    """Parse ISO-8601 as Resque writes it (a `Z` suffix included); None if it is not."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_any(text: str) -> datetime | None:
    """Parse a time as any Resque writes it: ISO-8601, Ruby's Time#to_s, or epoch seconds.

    A time without a zone is taken as UTC.
    """
    text = text.strip()
    if text.isdigit():  # node-resque's `started`
        return datetime.fromtimestamp(int(text), UTC)
    for parse in (parse_iso, parse_ruby_time):
        moment = parse(text)
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


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
