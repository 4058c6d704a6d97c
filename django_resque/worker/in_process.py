"""--no-fork: perform a job in the worker process itself, with a thread keeping it alive.

The thread heartbeats (a long job must not look dead) and honours a second TERM/INT: it puts
the job back at the head of its queue and exits the process at once. Timeouts and USR1 need a
child to kill, so they apply in fork mode only.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import redis

from django_resque.conf import get_config
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload
from django_resque.jobs.perform import perform
from django_resque.jobs.registry import registered_jobs
from django_resque.worker import recovery
from django_resque.worker.db_connections import database_connections
from django_resque.worker.heartbeat import Heartbeat, Pruned
from django_resque.worker.os_signals import Signals
from django_resque.worker.registration import unregister

logger = logging.getLogger(__name__)

_TICK = 0.2


def warn_of_unenforced_timeouts(worker_id: str) -> None:
    """Log, once at start-up, the registered jobs whose time limit this worker cannot enforce."""
    limited = sorted(name for name, job in registered_jobs().items() if job.timeout is not None)
    if get_config()["JOB_TIMEOUT"] is not None:
        limited.insert(0, "JOB_TIMEOUT")
    if limited:
        logger.warning(
            "worker=%s event=timeouts-not-enforced reason=no-fork jobs=%s",
            worker_id,
            ",".join(limited),
        )


def perform_here(
    raw: bytes,
    worker_id: str,
    heartbeat: Heartbeat,
    signals: Signals,
    decoded: Payload | None = None,
    *,
    queue: str | None = None,
) -> Outcome | None:
    """Perform in this process; None when this worker was pruned meanwhile (not ours to record)."""
    _keeper.start_job(worker_id, heartbeat, signals)
    try:
        with database_connections():
            outcome = perform(raw, decoded, queue=queue)
    finally:
        pruned = _keeper.end_job()
    if pruned:
        return None
    return outcome


class _Keeper:
    """One long-lived thread per process that keeps the job in progress alive.

    Starting and joining a thread for every job cost more than a short job itself (a thread
    start, a join and two GIL hand-overs per job), so the thread lives as long as the process
    and only acts while a job is marked in progress. The lock makes the hand-over exact: once
    end_job() returns, the thread will not beat for that job again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: tuple[str, Heartbeat, Signals] | None = None
        self._pruned = False
        self._pid: int | None = None

    def start_job(self, worker_id: str, heartbeat: Heartbeat, signals: Signals) -> None:
        with self._lock:
            self._job = (worker_id, heartbeat, signals)
            self._pruned = False
        if self._pid != os.getpid():  # first job in this process (threads do not survive fork)
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="django-resque-heartbeat", daemon=True).start()

    def end_job(self) -> bool:
        """Mark the job finished; return True if this worker was pruned while it ran."""
        with self._lock:
            self._job = None
            return self._pruned

    def _run(self) -> None:
        while True:
            time.sleep(_TICK)
            with self._lock:
                if self._job is not None and not self._pruned:
                    self._pruned = not _keep_alive_once(*self._job)


_keeper = _Keeper()


def _keep_alive_once(worker_id: str, heartbeat: Heartbeat, signals: Signals) -> bool:
    """One tick while a job runs: honour an immediate stop, beat; False once we were pruned."""
    if signals.immediate:
        logger.warning("worker=%s event=immediate-stop action=requeue-and-exit", worker_id)
        recovery.requeue_own(worker_id)
        unregister(worker_id, 0)
        os._exit(1)
    try:
        heartbeat.beat_if_due()
    except Pruned:
        return False
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        logger.warning("worker=%s event=heartbeat-failed error=%s", worker_id, exc)
    return True
