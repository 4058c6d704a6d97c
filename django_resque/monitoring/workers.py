"""The registered workers as monitoring sees them: who, where, since when, alive, doing what.

Reads only, and in bounded work: one SMEMBERS, then every worker's keys in pipelined batches,
so listing a hundred workers costs a few round trips, not hundreds. Liveness is judged with
Redis `TIME`, never the reader's clock, the same way recovery judges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_resque.conf import get_config
from django_resque.storage.clock import parse_any, redis_now
from django_resque.storage.codec import UNREADABLE, json_or, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

_BATCH = 200  # workers read per pipeline round trip


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """One worker of any Resque implementation, from the keys it registered."""

    id: str
    host: str
    pid: int | None
    queues: tuple[str, ...]
    started_at: datetime | None
    heartbeat_at: datetime | None
    is_stale: bool  # heartbeat older than HEARTBEAT_TIMEOUT by Redis TIME (never, without one)
    processed: int
    failed: int
    job: dict[str, Any] | None  # the in-flight record {"queue","run_at","payload"}; None if idle

    @property
    def state(self) -> str:
        """ "working" while it holds an in-flight record, else "idle" (as resque-web says)."""
        return "working" if self.job is not None else "idle"


def all() -> list[WorkerInfo]:  # noqa: A001  (the contract's name; shadows a builtin on purpose)
    """Return every registered worker, sorted by id."""
    client = get_redis()
    ids = sorted(to_text(m) for m in client.smembers(get_keys().workers()))
    now = redis_now()
    infos: list[WorkerInfo] = []
    for start in range(0, len(ids), _BATCH):
        infos.extend(_read(ids[start : start + _BATCH], now))
    return infos


def get(worker_id: str) -> WorkerInfo | None:
    """Return one registered worker, or None if no worker has that id."""
    if not get_redis().sismember(get_keys().workers(), worker_id):
        return None
    return _read([worker_id], redis_now())[0]


def _read(ids: list[str], now: datetime) -> list[WorkerInfo]:
    keys = get_keys()
    with get_redis().pipeline(transaction=False) as pipe:
        for wid in ids:
            pipe.get(keys.worker(wid))
            pipe.get(keys.worker_started(wid))
            pipe.hget(keys.heartbeats(), wid)
            pipe.get(keys.stat("processed", wid))
            pipe.get(keys.stat("failed", wid))
        replies = pipe.execute()
    timeout = float(get_config()["HEARTBEAT_TIMEOUT"])
    return [_info(wid, replies[i * 5 : i * 5 + 5], now, timeout) for i, wid in enumerate(ids)]


def _info(wid: str, replies: list[Any], now: datetime, timeout: float) -> WorkerInfo:
    record, started, heartbeat, processed, failed = replies
    host, pid, queue_list = split_id(wid)
    heartbeat_at = parse_time(heartbeat)
    return WorkerInfo(
        id=wid,
        host=host,
        pid=pid,
        queues=queue_list,
        started_at=parse_time(started),
        heartbeat_at=heartbeat_at,
        is_stale=heartbeat_at is not None and (now - heartbeat_at).total_seconds() > timeout,
        processed=int(processed or 0),
        failed=int(failed or 0),
        job=_record(record),
    )


def split_id(worker_id: str) -> tuple[str, int | None, tuple[str, ...]]:
    """Split `host:pid:q1,q2` as Ruby's Worker.find does (at most three parts).

    A slot of a worker with threads (`host:pid+2:q1`, node-resque's multiWorker form) gives
    the pid of its process.
    """
    parts = worker_id.split(":", 2)
    host = parts[0]
    pid_text = parts[1].split("+", 1)[0] if len(parts) > 1 else ""
    pid = int(pid_text) if pid_text.isdigit() else None
    queue_list = tuple(q for q in parts[2].split(",") if q) if len(parts) > 2 else ()
    return host, pid, queue_list


def parse_time(value: bytes | str | None) -> datetime | None:
    """Parse a time as any Resque writes it (clock.parse_any); None if absent or unreadable."""
    return None if value is None else parse_any(to_text(value))


def _record(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    record = json_or(raw)
    if record is UNREADABLE:
        return {"queue": None, "run_at": None, "payload": raw.decode("utf-8", "replace")}
    return record if isinstance(record, dict) else {"payload": record}
