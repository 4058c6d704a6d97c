"""A worker's identity in Redis: claiming its Resque id, registering, unregistering.

The id is Resque's `host:pid:queues` (required on the wire), which repeats when a pid is
reused (a container restart). So each process also holds a random incarnation token in
dj:incarnations: prune removes it, and a paused process that comes back finds itself fenced out.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django_resque.conf import get_config
from django_resque.exceptions import WorkerIdInUse
from django_resque.monitoring.workers import parse_time
from django_resque.storage import health, scripts
from django_resque.storage.clock import redis_now, ruby_time
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys
from django_resque.worker import recovery
from django_resque.worker.os_signals import Signals

logger = logging.getLogger(__name__)


def claim_id(worker_id: str, interval: float, signals: Signals) -> None:
    """Wait while another live process heartbeats under this id; recover a dead one's job.

    A predecessor with our id (same host, reused pid) that died mid-job left its record under
    our key; it is pruned like any dead worker before we register over it.
    """
    keys, client = get_keys(), get_redis()
    timeout = float(get_config()["HEARTBEAT_TIMEOUT"])
    while True:
        beat = client.hget(keys.heartbeats(), worker_id)
        if isinstance(beat, str):
            beat = beat.encode()
        now = redis_now()
        moment = parse_time(beat)
        if moment is None or (now - moment).total_seconds() > timeout:
            break
        if signals.stopping:
            raise WorkerIdInUse(
                f"Worker id {worker_id} is still used by a live process; stopped before it "
                "went away. Give each host a unique hostname."
            )
        logger.warning("worker=%s event=id-in-use action=wait-for-stale-heartbeat", worker_id)
        time.sleep(interval)
    if beat is not None or client.exists(keys.worker(worker_id)):
        recovery.recover_dead(worker_id, beat, now=now)


def register(worker_id: str, token: str) -> None:
    """Add the worker to `workers` with Ruby's `started` time and our incarnation token."""
    keys = get_keys()
    scripts.run(
        "register",
        [keys.workers(), keys.worker_started(worker_id), keys.incarnations(), keys.heartbeats()],
        [worker_id, ruby_time(datetime.now().astimezone()), token],
    )


def unregister(worker_id: str, finished: int) -> None:
    """Count what is uncounted and remove the worker's keys, as Ruby's unregister_worker."""
    keys = get_keys()
    with get_redis().pipeline() as pipe:
        if finished:
            pipe.incrby(keys.stat("processed"), finished)
        pipe.srem(keys.workers(), worker_id)
        pipe.delete(keys.worker(worker_id), keys.worker_started(worker_id))
        pipe.hdel(keys.heartbeats(), worker_id)
        pipe.hdel(keys.incarnations(), worker_id)
        pipe.delete(keys.stat("processed", worker_id), keys.stat("failed", worker_id))
        pipe.execute()


def explain_lost_registration(worker_id: str, run_id_at_start: str) -> None:
    """Say loudly why this worker's registration vanished when Redis lost its data.

    A worker pruned while it was paused finds the rest of the namespace in place. A Redis that
    restarted empty (no persistence) or was flushed took every queued job with it: that is data
    loss an operator must hear about, not a routine re-registration.
    """
    now_run_id = health.run_id()
    if now_run_id != run_id_at_start and not health.namespace_present():
        logger.error(
            "worker=%s event=redis-data-lost reason=restarted-empty old_run_id=%s run_id=%s "
            "hint=%s",
            worker_id,
            run_id_at_start,
            now_run_id,
            "Redis restarted without its data: every job queued before is gone. "
            "Turn on persistence (appendonly yes) so a restart keeps queued jobs.",
        )
    elif not health.namespace_present():
        logger.error(
            "worker=%s event=redis-data-lost reason=namespace-emptied namespace=%s hint=%s",
            worker_id,
            get_keys().namespace,
            "The namespace's keys were deleted (FLUSHDB, FLUSHALL, or eviction): every job "
            "queued before is gone. Use maxmemory-policy noeviction and keep flushes away.",
        )
