"""The scheduler: Resque-scheduler's loop of lead, promote due delayed jobs, fire schedules, wait.

Any number of schedulers may run: only the holder of the lease (lease.py) acts, and every
change it makes is fenced by that lease inside a Lua script. Time is Redis's `TIME`, never the
host clock, so schedulers on machines whose clocks disagree still agree on every slot.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import redis
from setproctitle import setproctitle

from django_resque import __version__
from django_resque.conf import get_config
from django_resque.queues.promotion import LeaseLost
from django_resque.scheduler import firing, promotion, schedules
from django_resque.scheduler.lease import Lease
from django_resque.storage.clock import redis_now

logger = logging.getLogger(__name__)


class Scheduler:
    """One scheduler process: leads or waits, promotes and fires, until told to stop."""

    def __init__(self, *, interval: float = 1.0, lease_seconds: float = 30.0) -> None:
        self.interval = interval
        self.lease = Lease(lease_seconds)
        self.shutdown_requested = False
        # Delayed items one pass may promote; the lease is renewed between passes.
        self.max_batches = 50
        self.promote_limit = self.max_batches * int(get_config()["DELAYED_BATCH_SIZE"])

    def run(self) -> None:
        """Loop until TERM, INT or QUIT, then give the lease up for a follower."""
        self._install_signal_handlers()
        logger.info("event=started holder=%s interval=%s", self.lease.holder, self.interval)
        self._title("Starting")
        try:
            while not self.shutdown_requested:
                promoted, _ = self.tick_safely()
                if promoted < self.promote_limit:  # more due items: go on without waiting
                    self._sleep(self.interval)
        finally:
            self.lease.release()
            logger.info("event=stopped holder=%s", self.lease.holder)

    def tick_safely(self) -> tuple[int, int]:
        """Run one pass; a Redis outage is logged and retried on the next pass, not fatal.

        The lease value is kept across the outage (see Lease.hold), so a leader leads again on
        the first pass after Redis returns, if its lease has not been taken meanwhile.
        """
        try:
            return self.tick()
        except redis.RedisError as exc:
            logger.warning("event=redis_error holder=%s error=%s", self.lease.holder, exc)
            self._title("Waiting for Redis")
            return 0, 0

    def tick(self, now: int | None = None) -> tuple[int, int]:
        """Lead if possible, then promote and fire what is due at `now` (Redis TIME by default).

        Returns (delayed items promoted, schedule slots fired).
        """
        if not self.lease.hold() or not (lease := self.lease.value):
            self._title("Follower: waiting for the lease")
            return 0, 0
        now = int(redis_now().timestamp()) if now is None else now
        try:
            fired = self.fire_schedules(now, lease)
            promoted = promotion.promote_due(now, lease=lease, max_batches=self.max_batches)
        except LeaseLost:
            self.lease.lost()
            return 0, 0
        self._title(f"Leader: promoted {promoted}, fired {fired} at {now}")
        return promoted, fired

    def fire_schedules(self, now: int, lease: str) -> int:
        """Fire the due slots of every enabled, unpaused entry."""
        grace = max(10.0, 3 * self.interval)
        fired = 0
        for entry in schedules.active():
            try:
                fired += firing.fire_entry(entry, now, lease=lease, grace=grace)
            except ValueError as exc:  # one broken entry must not stop the others
                logger.error("event=schedule_error schedule=%s error=%s", entry.name, exc)
        schedules.reloaded()
        return fired

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.shutdown_requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))

    def _install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            signal.signal(sig, self._request_shutdown)

    def _request_shutdown(self, signum: int, frame: FrameType | None) -> None:
        logger.info("event=shutdown signal=%s", signal.Signals(signum).name)
        self.shutdown_requested = True

    def _title(self, text: str) -> None:
        setproctitle(f"resque-scheduler-{__version__}: {text}")
