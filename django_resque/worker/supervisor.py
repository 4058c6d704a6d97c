"""The supervisor behind `resque_work --count N`: N workers, restarted when they die.

Each worker is forked from the supervisor (Django is already set up, so a restart costs a fork,
not a start-up), leads its own process group (a terminal's Ctrl-C reaches the supervisor only,
which forwards it once) and gets SIGTERM if the supervisor dies. A worker that exits 0 was
recycled (--max-jobs, --max-memory) and is replaced at once; one that crashes is restarted
after a backoff that doubles up to 30 s and resets once a worker has lived a minute.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import time
import traceback
from collections.abc import Callable
from types import FrameType

from django.db import connections
from setproctitle import setproctitle

from django_resque import __version__
from django_resque.worker.os_signals import HANDLED

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
BACKOFF_FIRST, BACKOFF_MAX, HEALTHY_AFTER = 0.5, 30.0, 60.0
_STOPPING = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


class Supervisor:
    """Keep `count` workers running; forward the operator's signals to them."""

    def __init__(
        self, count: int, run_worker: Callable[[], None], *, burst: bool = False, title: str = ""
    ) -> None:
        self.count = count
        self.run_worker = run_worker  # runs one worker to its end, in the forked process
        self.burst = burst
        self.title = title
        self.pids: dict[int, int] = {}  # pid -> slot
        self.started: dict[int, float] = {}  # slot -> monotonic start
        self.crashes: dict[int, int] = dict.fromkeys(range(count), 0)
        self.restart_at: dict[int, float] = {}  # slot -> monotonic time to restart it
        self.pending: list[int] = []
        self.stopping = False

    def run(self) -> None:
        """Start the workers and look after them until they have all stopped."""
        for signum in HANDLED:
            signal.signal(signum, self._queue_signal)
        setproctitle(f"resque-{__version__}: Supervising {self.count} workers {self.title}")
        for slot in range(self.count):
            self._start(slot)
        while self.pids or (self.restart_at and not self.stopping):
            self._forward()
            self._reap()
            self._restart_due()
            time.sleep(0.1)
        logger.info("event=supervisor-stopped")

    def _queue_signal(self, signum: int, frame: FrameType | None) -> None:
        self.pending.append(signum)

    def _forward(self) -> None:
        while self.pending:
            signum = self.pending.pop(0)
            if signum in _STOPPING:
                self.stopping = True
            for pid in list(self.pids):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signum)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = self.pids.pop(pid, None)
            if slot is not None:
                self._ended(slot, pid, os.waitstatus_to_exitcode(status))

    def _ended(self, slot: int, pid: int, code: int) -> None:
        if self.stopping or (self.burst and code == 0):
            return
        now = time.monotonic()
        if code == 0:
            self.crashes[slot] = 0
            self.restart_at[slot] = now
            return
        if now - self.started.get(slot, now) > HEALTHY_AFTER:
            self.crashes[slot] = 0
        self.crashes[slot] += 1
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.crashes[slot] - 1))
        self.restart_at[slot] = now + delay
        logger.warning("event=worker-died pid=%s code=%s restart_in=%.1f", pid, code, delay)

    def _restart_due(self) -> None:
        now = time.monotonic()
        for slot, when in list(self.restart_at.items()):
            if when <= now and not self.stopping:
                del self.restart_at[slot]
                self._start(slot)

    def _start(self, slot: int) -> None:
        connections.close_all()  # a worker must never share the supervisor's database sockets
        # Block our signals across the fork: a TERM forwarded before the worker installed its
        # handlers stays pending for them instead of reaching the supervisor's copied handler.
        signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (runs in the worker)
            self._become_worker()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)
        self.pids[pid] = slot
        self.started[slot] = time.monotonic()
        logger.info("event=worker-started pid=%s slot=%s", pid, slot)

    def _become_worker(self) -> None:
        code = 1
        try:
            os.setpgid(0, 0)
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            for signum in HANDLED:
                signal.signal(signum, signal.SIG_DFL)
            self.run_worker()
            code = 0
        except BaseException:  # noqa: BLE001  (a worker's end must never run supervisor code)
            traceback.print_exc()
        finally:
            os._exit(code)
