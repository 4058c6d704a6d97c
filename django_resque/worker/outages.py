"""A worker's waits for Redis: at start-up while it is down, and whenever it becomes unavailable.

Either wait is logged with the Redis it waits for, backs off up to a few seconds, and ends early
for a signal that stops the worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

from django_resque.storage import connection
from django_resque.worker.os_signals import Signals

logger = logging.getLogger(__name__)

_RECONNECT_BACKOFF_MAX = 5.0


def start_up_when_redis_answers(
    startup: Callable[[], None], signals: Signals, worker_id: str, interval: float
) -> bool:
    """Install the signal handlers and run `startup`, retried while Redis is unavailable.

    False if a signal stopped the worker before Redis answered.
    """
    signals.install()
    while not signals.stopping:
        try:
            startup()
            return True
        except redis.RedisError as exc:
            if not connection.unavailable(exc):
                raise
            wait_for_redis(exc, signals, worker_id, interval)
    return False


def wait_for_redis(exc: Exception, signals: Signals, worker_id: str, interval: float) -> None:
    """Log the outage and wait a little, waking early for a signal that stops the worker."""
    wait, where = min(interval * 2, _RECONNECT_BACKOFF_MAX), connection.describe()
    line = "worker=%s event=redis-unavailable redis=%s retry_in=%.1fs error=%s"
    logger.warning(line, worker_id, where, wait, exc)
    deadline = time.monotonic() + wait
    while not signals.stopping and time.monotonic() < deadline:
        time.sleep(0.05)
