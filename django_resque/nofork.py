"""--no-fork: perform a job in the worker process itself, with a thread keeping it alive.

The thread heartbeats (a long job must not look dead) and honours a second TERM/INT: it puts
the job back at the head of its queue and exits the process at once. Timeouts and USR1 need a
child to kill, so they apply in fork mode only.
"""

from __future__ import annotations

import logging
import os
import threading

import redis

from django_resque import recovery
from django_resque.heartbeat import Heartbeat, Pruned
from django_resque.identity import unregister
from django_resque.outcome import Outcome
from django_resque.payload import Payload
from django_resque.perform import perform
from django_resque.signals import Signals

logger = logging.getLogger(__name__)

_TICK = 0.2


def perform_here(
    raw: bytes,
    worker_id: str,
    heartbeat: Heartbeat,
    signals: Signals,
    decoded: Payload | None = None,
) -> Outcome | None:
    """Perform in this process; None when this worker was pruned meanwhile (not ours to record)."""
    done = threading.Event()
    pruned = threading.Event()
    keeper = threading.Thread(
        target=_keep_alive,
        args=(worker_id, heartbeat, signals, done, pruned),
        name="django-resque-heartbeat",
        daemon=True,
    )
    keeper.start()
    try:
        outcome = perform(raw, decoded)
    finally:
        done.set()
        keeper.join()
    if pruned.is_set():
        return None
    return outcome


def _keep_alive(
    worker_id: str,
    heartbeat: Heartbeat,
    signals: Signals,
    done: threading.Event,
    pruned: threading.Event,
) -> None:
    while not done.wait(_TICK):
        if signals.immediate:
            logger.warning("worker=%s event=immediate-stop action=requeue-and-exit", worker_id)
            recovery.requeue_own(worker_id)
            unregister(worker_id, 0)
            os._exit(1)
        try:
            heartbeat.beat_if_due()
        except Pruned:
            pruned.set()
            return
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            logger.warning("worker=%s event=heartbeat-failed error=%s", worker_id, exc)
