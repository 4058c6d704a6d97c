"""`resque_work --threads N`: one worker process performing up to N jobs at once.

The process holds N slots (slot.py), each a Resque worker identity with its own in-flight
record. This loop, in the worker's main thread, does everything that touches Redis: it
heartbeats every slot, reserves for free slots only (a busy worker hoards nothing), hands each
payload to the performer, and records what comes back. The performer is a ThreadChild (fork
mode: one child forked from this clean parent runs the jobs in its threads) or a ThreadPool in
this process (`--no-fork`). What ends a child early, and what becomes of the jobs it held, is
thread_watch.py's call; a fresh child takes over.
"""

from __future__ import annotations

import collections
import logging
import os
import select
import socket
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from setproctitle import setproctitle

from django_resque import __version__
from django_resque.conf import get_config
from django_resque.failures import retries
from django_resque.jobs.outcome import Outcome
from django_resque.limits import records as limit_records
from django_resque.storage import connection, health
from django_resque.storage.keys import get_keys
from django_resque.storage.wake_wait import WakeWait
from django_resque.worker import db_connections, fork
from django_resque.worker.child_watch import TICK_SECONDS
from django_resque.worker.heartbeat import Pruned
from django_resque.worker.huge_pages import prepare_heap_for_forks
from django_resque.worker.in_process import warn_of_unenforced_timeouts
from django_resque.worker.limits import Recycling
from django_resque.worker.os_signals import Signals
from django_resque.worker.outages import start_up_when_redis_answers, wait_for_redis
from django_resque.worker.slot import Reserved, Slot
from django_resque.worker.thread_child import ThreadChild
from django_resque.worker.thread_pool import Completion, ThreadPool
from django_resque.worker.thread_watch import ChildEnd, Running, abandon_process, end_child

logger = logging.getLogger(__name__)

MAX_THREADS = 256
T = TypeVar("T")


class ThreadedWorker:
    """N slots, one loop, one performer."""

    def __init__(
        self,
        queues: list[str],
        *,
        threads: int,
        fork: bool = True,
        interval: float = 1.0,
        burst: bool = False,
        hostname: str | None = None,
        shutdown_timeout: float = 10.0,
        recycling: Recycling | None = None,
        max_child_memory: int | None = None,
    ) -> None:
        host, pid, names = hostname or socket.gethostname(), os.getpid(), ",".join(queues)
        self.id = f"{host}:{pid}:{names}"  # the process, in its log lines
        self.patterns, self.fork, self.interval, self.burst = queues, fork, interval, burst
        keys = get_keys()
        self.slots = [
            Slot(f"{host}:{pid}+{n}:{names}", queues, interval, keys) for n in range(1, threads + 1)
        ]
        self.running: dict[int, Running] = {}
        self.unrecorded: collections.deque[Completion] = collections.deque()
        self.signals = Signals(shutdown_timeout)
        self.recycling = recycling or Recycling()
        self.child_recycling = self.recycling.fresh()  # fork mode: the child is what recycles
        self.redis_run_id = ""
        self.wake = WakeWait()
        self.pool = None if fork else ThreadPool(threads)
        self.child = ThreadChild(threads, max_child_memory) if fork else None
        self.performer: ThreadChild | ThreadPool = self.child or self.pool  # type: ignore[assignment]
        self._registered = 0  # slots registered so far
        self._crashed = False
        self._drained = False  # burst: every queue was found empty with nothing running

    # --- life cycle -----------------------------------------------------------------------
    def work(self) -> None:
        """Work until told to stop and every job held has ended, or (burst) the queues are empty."""
        if not start_up_when_redis_answers(self.startup, self.signals, self.id, self.interval):
            return
        try:
            while self.running or not (self.signals.stopping or self._drained or self._recycle()):
                self.turn()
        except Exception:
            self._crashed = True  # a fault outside the job boundary: the jobs held count as one
            raise
        finally:
            self.shutdown()

    def startup(self) -> None:
        self.redis_run_id = health.run_id()
        for slot in self.slots[self._registered :]:  # retried while Redis is down: go on
            slot.register(self.signals, self.redis_run_id)
            self._registered += 1
        db_connections.manage_connections_in_this_process()  # each job thread closes its own
        if self.pool is not None:
            self.pool.start()
            warn_of_unenforced_timeouts(self.id)
        else:
            huge_pages = bool(get_config()["FORK_HUGE_PAGES"])
            prepare_heap_for_forks(self.id, fork.libc() if huge_pages else None)
        line = "worker=%s event=started queues=%s threads=%d fork=%s"
        logger.info(line, self.id, ",".join(self.patterns), len(self.slots), self.fork)
        self._title()

    def shutdown(self) -> None:
        """End the performer, put back what never finished, count, and unregister every slot."""
        try:
            if self.child is not None:
                self.unrecorded.extend(self.child.kill()[0])  # reports written before the end
            self._record_unrecorded()
            for slot in self.slots:
                slot.release(crashed=self._crashed)  # a job still held goes back
        except redis.RedisError as exc:  # not unregistered: recovery will find what we held
            line = "worker=%s event=shutdown-incomplete redis=%s error=%s"
            logger.error(line, self.id, connection.describe(), exc)
        self.wake.close()
        if self.pool is not None:
            self.pool.stop(wait=False)
        logger.info("worker=%s event=stopped", self.id)

    def turn(self) -> None:
        """One pass: beat, record what finished, watch the child, fill free slots, wait."""
        try:
            for index, slot in enumerate(self.slots):  # asks again after a beat went unanswered
                self._slot_call(index, slot.heartbeat.confirm)  # before recording anything
            self.unrecorded.extend(self.performer.completions())
            self._record_unrecorded()
            self._watch()
            if self.signals.paused:
                self._pause()
                return
            filled = self._fill() if self._may_reserve() else None
            if self.burst and not self.running and filled == 0:
                self._drained = True
                return
            self._wait()
        except redis.RedisError as exc:
            if not connection.unavailable(exc):
                raise
            wait_for_redis(exc, self.signals, self.id, self.interval)

    # --- reserve --------------------------------------------------------------------------
    def _may_reserve(self) -> bool:
        """Not once QUIT/TERM came, nor while a retired child finishes its last jobs."""
        return not self.signals.stopping and not (self.child is not None and self.child.retiring)

    def _fill(self) -> int:
        """Reserve for free slots until the queues are empty; return how many were taken.

        A free slot with an uncounted job or a success to store reserves even then: its
        reserve call carries them.
        """
        taken, empty = 0, False
        for index, slot in enumerate(self.slots):
            if index in self.running or (empty and not (slot.finished or slot.success)):
                continue
            reserved = self._slot_call(index, slot.reserve)
            if reserved is None:
                empty = True
            else:
                self._start(index, reserved)
                taken += 1
        return taken

    def _wait(self) -> None:
        """Wait for a report, a wake-up token while a slot is free, or the next tick.

        The BLPOP on the wake tokens stays out across turns; its reply only says "look again".
        """
        retries.maintain()  # due retries go back on their queues; at most once a second
        limit_records.maintain()  # freed rate windows start the jobs that wait on them
        waiting = self.performer.filenos()
        if len(self.running) < len(self.slots) and self._may_reserve():
            names = self.slots[0].reservation.queue_names()
            self.wake.arm([get_keys().wake(q) for q in names], self.interval)
            if (fd := self.wake.fileno()) is not None:
                waiting.append(fd)
        select.select(waiting, [], [], TICK_SECONDS if self.running else self.interval)
        self.wake.answered()

    def _start(self, index: int, reserved: Reserved) -> None:
        slot, run = self.slots[index], Running.of(*reserved, timed=self.fork)
        slot.reclaim = True  # until its outcome is recorded, trouble puts this job back
        logger.info("worker=%s event=got queue=%s job=%s", slot.id, run.queue, run.name)
        if self.signals.stop_now:  # TERM arrived while reserving: it goes back unperformed
            slot.put_back()
            return
        self.running[index] = run
        if not self.performer.submit(index, run.raw, run.queue):  # the child died since its report
            logger.warning("worker=%s event=child-gone-at-hand-off action=requeue", slot.id)
            del self.running[index]
            slot.put_back()
        self._title()

    # --- record ---------------------------------------------------------------------------
    def _record_unrecorded(self) -> None:
        """Record each completion; one that Redis did not take stays for the next turn."""
        recorded = bool(self.unrecorded)
        while self.unrecorded:
            index, outcome = self.unrecorded[0]
            self._record(index, outcome)
            self.unrecorded.popleft()
        if recorded:
            self._title()

    def _record(self, index: int, outcome: Outcome) -> None:
        run = self.running.get(index)
        if run is None:
            return
        slot = self.slots[index]
        if run.abandoned:
            slot.reborn(self.redis_run_id)
        else:
            slot.record(run.queue, run.raw, run.payload, outcome)
            self.recycling.job_done()
            self.child_recycling.job_done()
        del self.running[index]

    # --- watch ----------------------------------------------------------------------------
    def _watch(self) -> None:
        """End the child early when a signal, a timeout or its recycling says so."""
        if self.child is None:
            if self.running and self.signals.child_must_stop():
                abandon_process(self.id, self.slots)
            return
        if not self.child.started:
            return
        recycle = not self.child.retiring and self.child_recycling.due(self.child.rss_mb)
        end = end_child(self.signals, self.running, recycle_due=recycle)
        if end is not None:
            self._end_child(end)

    def _end_child(self, end: ChildEnd) -> None:
        """Retire the child, or kill it and settle each job it held as `end` says."""
        assert self.child is not None
        self.child_recycling = self.recycling.fresh()
        if end.retire:
            self.child.retire()  # it exits once its jobs are reported
            return
        pid = self.child.pid or 0
        logger.warning("worker=%s event=child-killed pid=%s reason=%s", self.id, pid, end.reason)
        reported, held = self.child.kill()
        self.unrecorded.extend(reported)
        for index in sorted(held):
            outcome = end.outcome_for(index, pid)
            if outcome is not None:
                self.unrecorded.append((index, outcome))
            elif index in self.running:
                del self.running[index]
                self.slots[index].put_back()
        self._record_unrecorded()

    def _recycle(self) -> bool:
        """No fork: the worker process itself recycles (--max-jobs, --max-memory)."""
        return self.pool is not None and self.recycling.due()

    # --- pruned slots, pauses, titles -----------------------------------------------------
    def _slot_call(self, index: int, call: Callable[[], T]) -> T | None:
        """Run a slot's Redis call; a slot pruned while alive re-registers (its job is gone)."""
        try:
            return call()
        except Pruned:
            slot, run = self.slots[index], self.running.get(index)
            if run is None:
                slot.reborn(self.redis_run_id)
                return None
            run.abandoned = True  # its job runs elsewhere now: its outcome, even one the child
            if self.child is not None:  # reported already, is not ours to record; stop it here
                token = slot.token
                self._end_child(ChildEnd("abandoned"))
                if slot.token == token:  # no report of it came: re-register here
                    slot.reborn(self.redis_run_id)
            return None  # a thread cannot be stopped: it is re-registered when its outcome comes

    def _pause(self) -> None:
        for index, slot in enumerate(self.slots):
            if index not in self.running:
                slot.store_success()  # no reserve call comes while paused
        setproctitle(f"resque-{__version__}: Paused")
        time.sleep(TICK_SECONDS if self.running else self.interval)

    def _title(self) -> None:
        busy, names = len(self.running), ",".join(self.patterns)
        text = f"Processing {busy} of {len(self.slots)}" if busy else f"Waiting for {names}"
        setproctitle(f"resque-{__version__}: {text}")
