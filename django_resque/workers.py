"""The worker: Resque's life cycle of start up, reserve, perform (in a child), record, repeat."""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import time
from datetime import UTC, datetime
from types import FrameType

import redis
from setproctitle import setproctitle

from django_resque import __version__, finish, queues, retries, scripts, timeline
from django_resque.connection import get_redis
from django_resque.fork import perform_in_child
from django_resque.keys import get_keys
from django_resque.outcome import Outcome
from django_resque.payload import MalformedPayload, decode
from django_resque.perform import perform

logger = logging.getLogger(__name__)

_RECONNECT_BACKOFF_MAX = 5.0


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
    ) -> None:
        self.patterns = queues
        self.fork = fork
        self.interval = interval
        self.burst = burst
        self.hostname = hostname or socket.gethostname()
        self.id = f"{self.hostname}:{os.getpid()}:{','.join(queues)}"
        self.keys = get_keys()
        self.shutdown_requested = False
        self._finished = 0  # jobs performed but not yet counted in stat:processed
        self._queues: list[str] = []
        self._queues_at = 0.0

    # --- life cycle -----------------------------------------------------------------------
    def work(self) -> None:
        """Work until told to stop (or, in burst mode, until the queues are empty)."""
        self.startup()
        try:
            while not self.shutdown_requested:
                if not self.work_once():
                    break
        finally:
            self.unregister()

    def work_once(self) -> bool:
        """Reserve and perform one payload, or wait for one; return False to end a burst."""
        try:
            reserved = self.reserve()
        except redis.ConnectionError as exc:
            self._wait_for_redis(exc)
            return True
        if reserved is None:
            if self.burst:
                return False
            self.wait_for_work()
            return True
        queue, raw = reserved
        self.process(queue, raw)
        return True

    def startup(self) -> None:
        """Install signal handlers, register in Redis and freeze the heap for cheap forks."""
        self._install_signal_handlers()
        self.register()
        gc.freeze()  # pages of objects that exist now stay shared with every child
        logger.info("worker=%s event=started queues=%s", self.id, ",".join(self.patterns))
        self._title(f"Waiting for {','.join(self.patterns)}")

    def register(self) -> None:
        """Add this worker to `workers`, with Ruby's `started` time and a first heartbeat."""
        client = get_redis()
        with client.pipeline() as pipe:
            pipe.sadd(self.keys.workers(), self.id)
            pipe.set(
                self.keys.worker_started(self.id), _ruby_time_to_s(datetime.now().astimezone())
            )
            pipe.hset(self.keys.heartbeats(), self.id, _iso_utc(datetime.now(UTC)))
            pipe.execute()

    def unregister(self) -> None:
        """Count what is uncounted and remove this worker's keys, as Ruby's unregister_worker."""
        keys, wid = self.keys, self.id
        with get_redis().pipeline() as pipe:
            if self._finished:
                pipe.incrby(keys.stat("processed"), self._finished)
            pipe.srem(keys.workers(), wid)
            pipe.delete(keys.worker(wid), keys.worker_started(wid))
            pipe.hdel(keys.heartbeats(), wid)
            pipe.delete(keys.stat("processed", wid), keys.stat("failed", wid))
            pipe.execute()
        self._finished = 0
        logger.info("worker=%s event=stopped", self.id)

    # --- reserve --------------------------------------------------------------------------
    def reserve(self) -> tuple[str, bytes] | None:
        """Count the last job and take the next payload, in one script; None when all are empty."""
        names = self.queue_names()
        keys = self.keys
        result = scripts.run(
            "reserve",
            [
                keys.worker(self.id),
                keys.stat("processed"),
                keys.stat("processed", self.id),
                keys.pause_all(),
                keys.paused_queues(),
                *(keys.queue(q) for q in names),
                *(keys.wake(q) for q in names),
                keys.minute_stat("processed", timeline.minute_of()),
            ],
            [self._finished, _iso_utc(datetime.now(UTC)), *names],
        )
        self._finished = 0
        if not result:
            return None
        return result[0].decode(), result[1]

    def queue_names(self) -> list[str]:
        """Return the concrete queues to reserve from, resolving globs at most once a poll."""
        if not queues.is_dynamic(self.patterns):
            return self.patterns
        now = time.monotonic()
        if not self._queues or now - self._queues_at >= self.interval:
            self._queues = queues.resolve(self.patterns, queues.names())
            self._queues_at = now
        return self._queues

    def wait_for_work(self) -> None:
        """Block until a wake-up token arrives or the poll interval passes."""
        retries.maintain(idle=True)  # due retries go back on their queues (issue 5)
        names = self.queue_names()
        if not names:
            time.sleep(self.interval)
            return
        logger.debug("worker=%s event=idle", self.id)
        get_redis().blpop([self.keys.wake(q) for q in names], timeout=self.interval)

    # --- perform and record ---------------------------------------------------------------
    def process(self, queue: str, raw: bytes) -> None:
        """Perform one reserved payload and record its outcome."""
        name = _job_name(raw)
        logger.info("worker=%s event=got queue=%s job=%s", self.id, queue, name)
        self._title(f"Processing {queue} since {datetime.now():%Y-%m-%d %H:%M:%S} [{name}]")
        finish.started(raw, self.id)
        outcome = finish.record(
            raw, self._perform(queue, raw, name), queue=queue, worker_id=self.id
        )
        if outcome.ok:
            logger.info("worker=%s event=done queue=%s job=%s", self.id, queue, name)
        else:
            logger.error(
                "worker=%s event=failed queue=%s job=%s exception=%s error=%s",
                self.id,
                queue,
                name,
                outcome.exception,
                outcome.error,
            )
        self._finished += 1
        retries.maintain()  # promote due retries; at most once a second (issue 5)
        self._title(f"Waiting for {','.join(self.patterns)}")

    def _perform(self, queue: str, raw: bytes, name: str) -> Outcome:
        if not self.fork:
            return perform(raw)
        return perform_in_child(
            raw,
            in_child=lambda: self._title(
                f"Processing {queue} since {datetime.now():%Y-%m-%d %H:%M:%S} [{name}]"
            ),
            on_fork=lambda pid: self._title(f"Forked {pid} at {datetime.now():%H:%M:%S}"),
        )

    # --- signals and titles ---------------------------------------------------------------
    def _install_signal_handlers(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            signal.signal(signum, self._request_shutdown)

    def _request_shutdown(self, signum: int, frame: FrameType | None) -> None:
        logger.info("worker=%s event=shutdown signal=%s", self.id, signal.Signals(signum).name)
        self.shutdown_requested = True

    def _wait_for_redis(self, exc: Exception) -> None:
        logger.warning("worker=%s event=redis-unavailable error=%s", self.id, exc)
        time.sleep(min(self.interval * 2, _RECONNECT_BACKOFF_MAX))

    @staticmethod
    def _title(text: str) -> None:
        setproctitle(f"resque-{__version__}: {text}")


def _job_name(raw: bytes) -> str:
    try:
        return decode(raw).job_name
    except MalformedPayload:
        return "<malformed>"


def _iso_utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ruby_time_to_s(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")
