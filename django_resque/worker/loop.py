"""The worker: Resque's life cycle of start up, reserve, perform (in a child), record, repeat."""

from __future__ import annotations

import logging
import os
import socket
import time

import redis
from setproctitle import setproctitle

from django_resque import __version__
from django_resque.conf import get_config
from django_resque.failures import retries
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import decode_or_none
from django_resque.limits import records as limit_records
from django_resque.storage import connection, health
from django_resque.storage.clock import local_now
from django_resque.storage.keys import get_keys
from django_resque.worker import db_connections
from django_resque.worker.child_watch import (
    Verdict,
)
from django_resque.worker.executor import Executor, Result
from django_resque.worker.fork import libc, reap_exiting
from django_resque.worker.heartbeat import Pruned
from django_resque.worker.huge_pages import prepare_heap_for_forks
from django_resque.worker.in_process import warn_of_unenforced_timeouts
from django_resque.worker.limits import Recycling
from django_resque.worker.os_signals import Signals
from django_resque.worker.outages import start_up_when_redis_answers, wait_for_redis
from django_resque.worker.prefork import discard_spare, release_finished
from django_resque.worker.slot import Reserved, Slot

logger = logging.getLogger(__name__)


class Worker:
    """One Resque worker: reserves payloads from its queues in priority order and performs them."""

    def __init__(
        self,
        queues: list[str],
        *,
        fork: bool = True,
        interval: float = 1.0,
        burst: bool = False,
        hostname: str | None = None,
        shutdown_timeout: float = 10.0,
        recycling: Recycling | None = None,
        max_child_memory: int | None = None,
    ) -> None:
        self.patterns = queues
        self.fork = fork
        self.interval = interval
        self.burst = burst
        self.hostname = hostname or socket.gethostname()
        self.id = f"{self.hostname}:{os.getpid()}:{','.join(queues)}"
        self.keys = get_keys()
        self.signals = Signals(shutdown_timeout)
        self.slot = Slot(self.id, queues, interval, self.keys)
        self.recycling = recycling or Recycling()
        self.redis_run_id = ""  # the Redis server's run_id when this worker registered
        self._crashed = False  # the loop ended by an exception, not by a signal or a burst
        self._idle = True  # the last reserve found nothing: the next job's start latency matters
        self.executor = Executor(
            self.id,
            self.signals,
            self._title,
            fork=fork,
            fork_ahead=bool(get_config()["FORK_AHEAD"]),
            max_child_memory=max_child_memory,
        )
        self.huge_pages = fork and bool(get_config()["FORK_HUGE_PAGES"])

    # --- life cycle -----------------------------------------------------------------------
    def work(self) -> None:
        """Work until told to stop, recycled, or (in burst mode) the queues are empty."""
        if not start_up_when_redis_answers(self.startup, self.signals, self.id, self.interval):
            return
        try:
            while not self.signals.stopping and not self.recycling.due():
                if not self.work_once():
                    break
        except Exception:
            self._crashed = True  # a fault outside the job boundary: the job held counts as one
            raise
        finally:
            self.shutdown()

    def work_once(self) -> bool:
        """Reserve and perform one payload, or wait for one; return False to end a burst."""
        try:
            try:
                return self._work_once()
            except Pruned:
                self._reborn()
        except redis.RedisError as exc:  # also while re-registering: Pruned comes again after it
            if not connection.unavailable(exc):
                raise
            wait_for_redis(exc, self.signals, self.id, self.interval)
        return True

    def _work_once(self) -> bool:
        reap_exiting()  # children whose report came before their exit; only the worker reaps
        release_finished()  # the same, for children its zygote forked (prefork.py)
        self.slot.heartbeat.beat_if_due()
        if self.signals.paused:
            self.slot.store_success()  # no reserve call comes while paused
            self._title("Paused")
            time.sleep(self.interval)
            return True
        reserved = self.reserve()
        if reserved is None:
            self._idle = True
            if self.burst:
                return False
            reserved = self.wait_for_work()
            if reserved is None:
                return True
        self.slot.reclaim = True  # until its outcome is recorded, trouble puts this job back
        if self.signals.stop_now:  # TERM arrived while reserving: shutdown puts it back
            return False
        self.process(*reserved)
        self.slot.reclaim = self._idle = False
        return True

    def startup(self) -> None:
        """Claim our id, register, and ready the heap for cheap forks (signals handled by now)."""
        self.redis_run_id = health.run_id()  # a restart without data is told from a prune
        self.slot.register(self.signals, self.redis_run_id)
        db_connections.manage_connections_in_this_process()  # drop stale DB connections per job
        prepare_heap_for_forks(self.id, libc() if self.huge_pages else None)
        logger.info("worker=%s event=started queues=%s", self.id, ",".join(self.patterns))
        if not self.fork:
            warn_of_unenforced_timeouts(self.id)
        self._title(f"Waiting for {','.join(self.patterns)}")

    def shutdown(self) -> None:
        """Put back a job that never ran, count what is uncounted, and unregister.

        Without Redis none of that can be done: that is logged and the worker exits all the
        same; a job it held stays in its in-flight record, where recovery finds it.
        """
        discard_spare()  # the child forked ahead for a next job that will not come
        reap_exiting(block=True)  # children of finished jobs still exiting
        try:
            self.slot.release(crashed=self._crashed)
        except redis.RedisError as exc:  # not unregistered: recovery will find what we held
            where = connection.describe()
            logger.error(
                "worker=%s event=shutdown-incomplete redis=%s error=%s", self.id, where, exc
            )
        logger.info("worker=%s event=stopped", self.id)

    def _reborn(self) -> None:
        self.slot.reborn(self.redis_run_id)

    # --- reserve --------------------------------------------------------------------------
    def reserve(self) -> Reserved | None:
        """Count the last job and take the next payload (Slot.reserve); None when all are empty."""
        return self.slot.reserve()

    def wait_for_work(self) -> Reserved | None:
        """Promote due retries, then wait for a payload (Slot.wait_and_reserve)."""
        retries.maintain()  # due retries go back on their queues
        limit_records.maintain()  # freed rate windows start the jobs that wait on them
        self._title(f"Waiting for {','.join(self.patterns)}")
        return self.slot.wait_and_reserve(self.signals)

    # --- perform and record ---------------------------------------------------------------
    def process(self, queue: str, raw: bytes) -> None:
        """Perform one reserved payload and record its outcome (unless it went back)."""
        payload = decode_or_none(raw)  # once: perform() reuses it and reports a malformed one
        name = payload.job_name if payload is not None else "<malformed>"
        logger.info("worker=%s event=got queue=%s job=%s", self.id, queue, name)
        self._title(f"Processing {queue} since {local_now()} [{name}]")
        result = self.executor.perform(
            queue, raw, payload, heartbeat=self.slot.heartbeat, idle=self._idle
        )
        outcome = self._settle(result)
        self._confirm_alive()  # pruned while stalled or cut off? then Pruned: record nothing
        if outcome is not None:
            self.slot.record(queue, raw, payload, outcome)
        self.recycling.job_done()
        retries.maintain()  # promote due retries; at most once a second
        limit_records.maintain()

    def _confirm_alive(self) -> None:
        """Wait until Redis confirms this incarnation is alive, before recording an outcome.

        A job that ended while Redis was out of reach keeps its outcome here until Redis
        answers: giving up would put the finished job back on its queue to run again. Raises
        Pruned if this worker was pruned meanwhile (its job ran elsewhere), and gives up with
        the Redis error once a signal stops the worker (shutdown puts the job back).
        """
        while True:
            try:
                self.slot.heartbeat.confirm()
                return
            except redis.RedisError as exc:
                if not connection.unavailable(exc) or self.signals.stopping:
                    raise
                wait_for_redis(exc, self.signals, self.id, self.interval)

    def _settle(self, result: Result) -> Outcome | None:
        """Return the outcome to record, after putting back or abandoning a job stopped early."""
        if result is Verdict.REQUEUE:
            self.slot.put_back()
            return None
        if result is Verdict.ABANDONED:
            self._reborn()
            return None
        return result

    # --- titles -------------------------------------------------------------------------
    @staticmethod
    def _title(text: str) -> None:
        setproctitle(f"resque-{__version__}: {text}")
