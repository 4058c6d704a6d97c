"""The time windows the metrics are read over, and the steps (minutes or hours) they span."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Window:
    """A span of time read as `steps` steps of `seconds` each: minute or hour keys."""

    name: str
    step: str  # "m" (minute keys) or "h" (hour keys): the step of Keys.metrics_job
    seconds: int  # 60 or 3600
    steps: int

    def periods(self, now: float | None = None) -> list[int]:
        """The step numbers (epoch // seconds) the window covers, oldest first, the current last."""
        last = int((time.time() if now is None else now) // self.seconds)
        return list(range(last - self.steps + 1, last + 1))

    def cover(self, now: float | None = None) -> list[tuple[str, int]]:
        """The (step, period) keys whose sums are the window's sums, with as few keys as may be.

        A window of many minutes reads the minutes before its first whole hour, then hour keys up to
        the current hour (which holds only minutes up to now, all inside the window): at most 59
        + 9 keys per name for 8 h instead of 480. The worker adds each sum to its minute and its
        hour hash alike, so both readings agree. An hour window reads its hours.
        """
        periods = self.periods(now)
        if self.step != "m" or self.steps <= 60:  # an hour of minutes: hours would save nothing
            return [(self.step, p) for p in periods]
        first, last = periods[0], periods[-1]
        whole = -(-first // 60)  # the first hour that starts inside the window
        if whole * 60 > last:
            return [("m", p) for p in periods]
        return [("m", p) for p in range(first, whole * 60)] + [
            ("h", h) for h in range(whole, last // 60 + 1)
        ]

    def start_of(self, period: int) -> datetime:
        """When a step began, in UTC."""
        return datetime.fromtimestamp(period * self.seconds, UTC)


WINDOWS: dict[str, Window] = {
    "1h": Window("1h", "m", 60, 60),
    "8h": Window("8h", "m", 60, 8 * 60),
    "24h": Window("24h", "h", 3600, 24),
    "3d": Window("3d", "h", 3600, 72),
}


def window_named(name: str) -> Window:
    """Return the window called `name`; raise ValueError with the names there are."""
    try:
        return WINDOWS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown metrics window {name!r}: use one of {', '.join(WINDOWS)}."
        ) from None
