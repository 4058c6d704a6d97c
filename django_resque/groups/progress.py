"""How far a group has got: its members' outcomes as shares of a bar and as a fraction.

The counts come from the group's hash, which anything with access to Redis can write, so every
number is clamped: a bar never has a negative or overflowing share, whatever the hash holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django_resque.groups.records import GroupState


@dataclass(frozen=True)
class Progress:
    """Members that succeeded, failed and are pending, of `total`, and the bar they draw."""

    total: int
    succeeded: int
    failed: int
    pending: int
    finished: bool

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    @property
    def fraction(self) -> float:
        """Finished members over all members, 0..1; an empty group is 1 once it has ended."""
        if self.finished:
            return 1.0
        return min(self.done / self.total, 1.0) if self.total else 0.0

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    @property
    def bars(self) -> list[tuple[str, str, str]]:
        """(kind, x, width) of the bar's three parts in a 0..100 box, as SVG attribute text."""
        parts, x = [], 0.0
        for kind, count in (("ok", self.succeeded), ("failed", self.failed)):
            width = 100.0 * count / self.total if self.total else 0.0
            parts.append((kind, f"{x:.2f}", f"{width:.2f}"))
            x += width
        parts.append(("pending", f"{x:.2f}", f"{max(100.0 - x, 0.0):.2f}"))
        return parts


def of(state: GroupState) -> Progress:
    """The progress of one group's own members (its child groups have their own)."""
    succeeded, failed, pending = max(state.succeeded, 0), max(state.failed, 0), state.pending
    total = max(state.total, succeeded + failed + pending)
    return Progress(total, succeeded, failed, pending, state.finished)


def combined(states: Iterable[GroupState], *, finished: bool) -> Progress:
    """The progress of several groups' members together (a group and its descendants)."""
    parts = [of(state) for state in states]
    return Progress(
        sum(p.total for p in parts),
        sum(p.succeeded for p in parts),
        sum(p.failed for p in parts),
        sum(p.pending for p in parts),
        finished,
    )
