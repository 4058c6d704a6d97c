"""Heartbeat: the worker parent says it is alive, and now and then takes its turn to prune."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from django_resque.conf import get_config
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys
from django_resque.worker import recovery

logger = logging.getLogger(__name__)


class Pruned(Exception):
    """Raised when this worker incarnation was pruned as dead while it was in fact alive."""


@dataclass
class Heartbeat:
    """Beats every HEARTBEAT_INTERVAL seconds; costs nothing between beats.

    Each beat is one script (lua/heartbeat.lua) that writes Redis TIME, checks this incarnation
    was not pruned, and tries the prune lock, so recovery runs somewhere about once an interval
    without any extra round trip per job.
    """

    worker_id: str
    token: str
    interval: float = field(default_factory=lambda: float(get_config()["HEARTBEAT_INTERVAL"]))
    _next: float = 0.0
    _answered: bool = False  # the last beat got Redis's reply (it may have failed on the way)

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def beat_if_due(self) -> None:
        """Beat if the interval has passed; raise Pruned if this incarnation was pruned."""
        if self.due():
            self.beat()

    def confirm(self) -> None:
        """Beat unless the last beat was answered less than an interval ago; raise Pruned if pruned.

        For a worker about to record an outcome: a beat that got no reply (Redis unreachable, a
        cut link) says nothing of whether this incarnation was pruned meanwhile and its job run
        elsewhere, so the worker asks again before it writes over that other run's result.
        """
        if self.due() or not self._answered:
            self.beat()

    def beat(self) -> None:
        """Write the heartbeat now and prune if this worker got the lock."""
        self._next = time.monotonic() + self.interval
        self._answered = False
        keys = get_keys()
        alive, got_lock = scripts.run(
            "heartbeat",
            [keys.heartbeats(), keys.incarnations(), keys.prune_lock()],
            [self.worker_id, self.token, max(1, math.ceil(self.interval))],
        )
        if not alive:
            raise Pruned(f"worker {self.worker_id} was pruned as dead")
        self._answered = True
        if got_lock:
            pruned = recovery.prune(self.worker_id)
            if pruned:
                logger.info("worker=%s event=prune-done pruned=%s", self.worker_id, pruned)
