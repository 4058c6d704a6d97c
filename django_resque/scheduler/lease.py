"""The scheduler lease: one scheduler at a time may fire, and a stale one provably cannot.

The lease key holds `<host>:<pid>:<fence>`, where the fence is a counter INCRed for every new
lease; every script that fires or promotes compares the key to the value its caller holds, in
the same script, so a leader that stalled (SIGSTOP, swap, a long GC) past its lease finds a
different value when it wakes and changes nothing.
"""

from __future__ import annotations

import logging
import os
import socket

import redis

from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

logger = logging.getLogger(__name__)


class Lease:
    """Leadership among the schedulers sharing one Redis namespace."""

    def __init__(self, seconds: float, holder: str | None = None) -> None:
        self.seconds = seconds
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.value: str | None = None

    def hold(self) -> bool:
        """Take the lease if it is free, renew it if ours; return True while we lead.

        A Redis error propagates and leaves the value we hold as it was: once Redis answers
        again, the same value renews the lease if it is still ours (or a new one is issued if it
        expired), instead of our own lease looking like another's until it runs out.
        """
        keys = get_keys()
        previous = self.value
        result = scripts.run(
            "scheduler_lease",
            [keys.scheduler_leader(), keys.scheduler_fence(), *keys.foreign_scheduler_locks()],
            [self.holder, self.value or "", int(self.seconds * 1000), ""],
        )
        self.value = result.decode() if isinstance(result, bytes) else result or None
        if self.value != previous:
            logger.info("event=%s lease=%s", "leader" if self.value else "follower", self.value)
        return self.value is not None

    def lost(self) -> None:
        """Forget the lease after a script found another holder."""
        logger.warning("event=lease_lost lease=%s", self.value)
        self.value = None

    def release(self) -> None:
        """Give the lease up, if still ours, so a follower takes over at once."""
        if self.value is None:
            return
        keys = get_keys()
        try:
            scripts.run(
                "scheduler_lease",
                [keys.scheduler_leader(), keys.scheduler_fence(), *keys.foreign_scheduler_locks()],
                [self.holder, self.value, 1, "release"],
            )
        except redis.RedisError as exc:
            logger.warning("event=release_error lease=%s error=%s", self.value, exc)
        self.value = None
