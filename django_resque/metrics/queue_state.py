"""Each queue as operators watch it: size, paused, and how long its oldest job has waited.

The Queues and Overview pages, `manage.py resque_stats` and any other reader share this one
view, so "latency" means the same everywhere: the age of the job at the head of the queue's
list (`latency.oldest_ages`), None when the queue is empty or the head's enqueue time is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_resque.metrics.latency import oldest_ages
from django_resque.queues import lists as queues

# Why an age is missing, as a page's title or a script's note says it.
EMPTY = "No job is waiting."
UNKNOWN = (
    "The oldest job's payload has no queue_time (Ruby's and Node's clients write none), "
    "so its age is unknown."
)


@dataclass(frozen=True, slots=True)
class QueueState:
    """One queue: its size (list and prioritised set), paused, and its oldest job's age."""

    name: str
    size: int
    paused: bool
    latency: float | None  # seconds; None when empty or unknown (never 0 for unknown)

    @property
    def latency_text(self) -> str:
        """The latency as people read it ("3 min"); "" when it is missing."""
        return "" if self.latency is None else age_text(self.latency)

    @property
    def latency_note(self) -> str:
        """Why the latency is missing ("" when it is known)."""
        if self.latency is not None:
            return ""
        return EMPTY if self.size == 0 else UNKNOWN


def describe(names: list[str]) -> list[QueueState]:
    """Return the state of the named queues, in three round trips whatever their number."""
    infos = queues.describe(names)
    ages = oldest_ages(names)
    return [QueueState(i.name, i.size, i.paused, ages[i.name]) for i in infos]


def age_text(seconds: float) -> str:
    """Say an age as people read it: "4 s", "3 min", "2 h", "5 d" (rounded down)."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min"
    if whole < 86400:
        return f"{whole // 3600} h"
    return f"{whole // 86400} d"
