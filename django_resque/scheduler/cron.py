"""Fire times of recurring schedules: pure arithmetic on epoch seconds, no Redis, no clock.

A slot is the epoch second at which a schedule is meant to fire; slot ids are UTC epoch seconds
so every scheduler, whatever its zone or clock, names the same firing the same way.

Cron expressions are read by croniter in the entry's IANA zone, with Debian cron's DST rules
(the ones cronsim implements): a job whose hour field is fixed (`30 2 * * *`) runs once per
wall-clock day — once on the fall-back day, although 02:30 happens twice, and at 03:00 on the
spring-forward day, when 02:30 never happens — while a job whose hour field is a wildcard
(`30 * * * *`) runs on every real hour. croniter 7 alone would fire the fall-back 02:30 twice.
`every` schedules fire on a grid of multiples of their period since the epoch, so they need no
zone and every scheduler agrees on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

_EVERY = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SCAN_LIMIT = 100_000  # cron iterations one question may cost, so a bad entry cannot hang a tick


@dataclass(frozen=True, slots=True)
class Timing:
    """When a schedule fires: a cron expression in a zone, or a period in seconds."""

    cron: str | None = None
    every: int | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if (self.cron is None) == (self.every is None):
            raise ValueError("A schedule needs exactly one of 'cron' or 'every'.")
        if self.every is not None and self.every <= 0:
            raise ValueError(f"'every' must be a positive number of seconds, got {self.every}.")
        if self.cron is not None and not croniter.is_valid(self.cron):
            raise ValueError(
                f"'cron' is {self.cron!r}, which is not a cron expression; use five fields "
                "(minute hour day month weekday) or six with seconds last."
            )
        zone(self.timezone)
        if self.cron is not None:
            self.next_after(0)  # "0 0 30 2 *" parses but never fires

    def slots(self, after: int, until: int, limit: int) -> list[int]:
        """Return the latest `limit` slots s with after < s <= until, oldest first."""
        if limit <= 0 or until <= after:
            return []
        if self.every is not None:
            last = until - until % self.every
            found = list(range(last, after, -self.every)[:limit])
        else:
            found = []
            for slot in self._backward(until):
                if slot <= after or len(found) >= limit:
                    break
                found.append(slot)
        return sorted(found)

    def next_after(self, now: int) -> int:
        """Return the first slot strictly after `now`."""
        if self.every is not None:
            return now - now % self.every + self.every
        return next(self._forward(now))

    def _forward(self, now: int) -> Iterator[int]:
        tz = zone(self.timezone)
        it = croniter(self.cron, datetime.fromtimestamp(now, tz))
        try:
            for _ in range(_SCAN_LIMIT):
                moment = it.get_next(datetime)
                if not self._is_repeat(moment, tz):
                    yield int(moment.timestamp())
        except CroniterBadDateError:
            pass
        raise ValueError(f"'cron' is {self.cron!r}, which never fires.")

    def _backward(self, until: int) -> Iterator[int]:
        tz = zone(self.timezone)
        it = croniter(self.cron, datetime.fromtimestamp(until + 1, tz))
        try:
            for _ in range(_SCAN_LIMIT):
                moment = it.get_prev(datetime)
                if not self._is_repeat(moment, tz):
                    yield int(moment.timestamp())
        except CroniterBadDateError:
            return

    def _is_repeat(self, moment: datetime, tz: ZoneInfo) -> bool:
        """True for the second occurrence of a repeated wall time when the hour field is fixed."""
        assert self.cron is not None
        if self.cron.split()[1].startswith("*"):
            return False
        wall = moment.replace(tzinfo=None)
        first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
        if first.utcoffset() == second.utcoffset():
            return False
        return int(moment.timestamp()) == int(second.timestamp())


def zone(name: str) -> ZoneInfo:
    """Return the IANA zone, or raise ValueError naming the bad zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(
            f"'timezone' is {name!r}, which is not an IANA zone such as 'Europe/Berlin'."
        ) from exc


def parse_every(value: object) -> int:
    """Return a period in whole seconds from a number, a timedelta or text like '30s', '5m'."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _EVERY.match(value)):
        seconds = float(int(match[1]) * _UNITS[match[2]])
    else:
        raise ValueError(
            f"'every' is {value!r}; use seconds (300), a timedelta, or text like '30s', '5m', '1h'."
        )
    if seconds < 1 or seconds != int(seconds):
        raise ValueError(f"'every' must be a whole number of seconds >= 1, got {value!r}.")
    return int(seconds)
