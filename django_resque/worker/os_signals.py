"""Resque's worker signals, as flags: handlers only record what was asked; the loop acts.

QUIT finishes the current job then exits; TERM/INT stop now (the child gets a grace period,
then its process group is killed and its payload put back); a second TERM/INT is immediate;
USR1 kills the current child (a failure); USR2 pauses; CONT resumes.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

logger = logging.getLogger(__name__)

HANDLED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGCONT,
)


class Signals:
    """What the operator asked of this worker process, set from signal handlers."""

    def __init__(self, shutdown_timeout: float) -> None:
        self.shutdown_timeout = shutdown_timeout
        self.quit = False  # QUIT: take no new job; let the current one finish
        self.stop_at: float | None = None  # TERM/INT: monotonic time the child is killed at
        self.immediate = False  # a second TERM/INT
        self.kill_child = False  # USR1, until the watch acts on it
        self.paused = False  # USR2 .. CONT

    def install(self) -> None:
        """Handle our signals, then take any that arrived while they were blocked (fork)."""
        for signum in HANDLED:
            signal.signal(signum, self.handle)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)

    @property
    def stopping(self) -> bool:
        """True once QUIT or TERM/INT arrived: reserve nothing more."""
        return self.quit or self.stop_at is not None

    @property
    def stop_now(self) -> bool:
        """True once TERM/INT arrived: a job not yet started goes back on its queue."""
        return self.stop_at is not None

    def child_must_stop(self) -> bool:
        """True when the running child must be killed and its job put back."""
        return self.immediate or (self.stop_at is not None and time.monotonic() >= self.stop_at)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """Record the request; never block, never touch Redis here."""
        if signum in (signal.SIGTERM, signal.SIGINT):
            if self.stop_at is not None:
                self.immediate = True
            else:
                self.stop_at = time.monotonic() + self.shutdown_timeout
        elif signum == signal.SIGQUIT:
            self.quit = True
        elif signum == signal.SIGUSR1:
            self.kill_child = True
        elif signum == signal.SIGUSR2:
            self.paused = True
        elif signum == signal.SIGCONT:
            self.paused = False
