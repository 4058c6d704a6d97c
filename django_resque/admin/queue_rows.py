"""Queues as the Overview and Queues pages list them: size, state and latency.

Latency is how long the oldest job of the queue has waited (metrics.latency, one round trip
for the page's queues). A queue whose oldest payload has no enqueue time (Ruby's and Node's
write none) shows "unknown", never zero; an empty queue has none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_resque.admin.metrics_table import NOTHING, duration
from django_resque.metrics import latency
from django_resque.queues.lists import QueueInfo

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class QueueRow:
    name: str
    size: int
    paused: bool
    latency: str


def queue_rows(infos: list[QueueInfo]) -> list[QueueRow]:
    """Add each queue's latency to its size and state."""
    ages = latency.oldest_ages([q.name for q in infos])
    return [QueueRow(q.name, q.size, q.paused, shown(q.size, ages.get(q.name))) for q in infos]


def shown(size: int, age: float | None) -> str:
    if not size:
        return NOTHING
    return UNKNOWN if age is None else duration(age * 1000)
