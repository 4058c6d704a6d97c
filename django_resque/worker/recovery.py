"""Recovery: put the in-flight payloads of dead workers (and of our own lost replies) back.

At least once: a payload held by a worker whose heartbeat is older than HEARTBEAT_TIMEOUT, by
Redis TIME, goes back to the head of its queue byte for byte. A job marked
`@job(at_most_once=True)`, or a payload recovered more than MAX_RECOVERIES times (a poison pill
that keeps killing workers), is recorded as a failure instead. Every move is one compare-and-set
script (lua/requeue.lua), so a worker that heartbeat meanwhile is never pruned.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from django_resque.conf import get_config
from django_resque.failures import registry as failures
from django_resque.groups import records as group_records
from django_resque.jobs.membership import member_of
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import decode_or_none
from django_resque.jobs.registry import get_job
from django_resque.limits import records as limit_records
from django_resque.monitoring.workers import parse_time
from django_resque.queues.lists import WAKE_TOKEN_CAP
from django_resque.storage import scripts
from django_resque.storage.clock import redis_now
from django_resque.storage.codec import to_bytes
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import Keys, get_keys

logger = logging.getLogger(__name__)

RECOVERY_MEMORY = 7 * 24 * 3600  # seconds a payload's recovery count is remembered
FOREIGN_TIMEOUT = 300.0  # Ruby's default prune interval (5 x its 60 s heartbeat)
# Our record as reserve.lua writes it (Ruby's layout too): the payload is the raw tail.
_RECORD = re.compile(rb'\A\{"queue":("(?:[^"\\]|\\.)*"),"run_at":"[^"]*","payload":(.*)\}\Z', re.S)


@dataclass(frozen=True, slots=True)
class InFlight:
    """A worker's in-flight record and the payload and queue it holds."""

    record: bytes
    queue: str
    payload: bytes


def in_flight(record: bytes) -> InFlight | None:
    """Parse a `worker:<id>` record; the payload is exactly the bytes that were reserved.

    Our own records (and Ruby's, which use the same layout) are sliced, not re-encoded, so the
    payload goes back byte for byte; others (PHP, node) are decoded and re-encoded compactly.
    """
    match = _RECORD.match(record)
    try:
        if match:
            queue, payload = json.loads(match.group(1)), match.group(2)
        else:
            obj = json.loads(record)
            queue = obj["queue"]
            payload = json.dumps(obj["payload"], separators=(",", ":"), ensure_ascii=False).encode()
        if payload.startswith(b'"'):  # reserve.lua stored a malformed payload as a JSON string
            payload = json.loads(payload.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        logger.error("event=unreadable-record record=%r", record[:200])
        return None
    return InFlight(record, str(queue), payload)


def prune(pruner_id: str) -> int:
    """Recover every worker whose heartbeat is stale; return how many were pruned.

    Called by a worker that holds the prune lock (taken with its heartbeat). Workers without
    an incarnation token are other Resque implementations, which heartbeat less often: they are
    judged by Ruby's own default prune interval, so a live Ruby worker is never pruned.
    """
    timeout = float(get_config()["HEARTBEAT_TIMEOUT"])
    keys = get_keys()
    with get_redis().pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.heartbeats())
        pipe.hkeys(keys.incarnations())
        beats, ours = pipe.execute()
    ours = {to_bytes(i) for i in ours}
    now = redis_now()
    pruned = 0
    for raw_id, raw_beat in beats.items():
        wid = to_bytes(raw_id).decode()
        beat = parse_time(raw_beat)
        limit = timeout if to_bytes(raw_id) in ours else max(timeout, FOREIGN_TIMEOUT)
        if wid == pruner_id or beat is None or (now - beat).total_seconds() <= limit:
            continue
        if recover_dead(wid, to_bytes(raw_beat), now=now):
            pruned += 1
    return pruned


def recover_dead(worker_id: str, heartbeat: bytes | None, *, now: datetime) -> bool:
    """Unregister a dead worker, putting its payload back (or failing it); False if it lived."""
    keys = get_keys()
    record = _get(keys.worker(worker_id))
    held = in_flight(record) if record else None
    push = b""
    if held is not None:
        push = _fate(worker_id, held, keys, now)
    elif record:
        _fail_unreadable(worker_id, record)
    done = _requeue(
        worker_id, record or b"", heartbeat or b"", held, push=push, count=True, unregister=True
    )
    if done:
        logger.warning(
            "event=pruned worker=%s queue=%s requeued=%s",
            worker_id,
            held.queue if held else "",
            bool(push),
        )
    return done


def _fate(worker_id: str, held: InFlight, keys: Keys, now: datetime) -> bytes:
    """Return the payload to push back, or b"" after recording it as a failure."""
    recovered = int(get_redis().get(keys.recoveries(_digest(held.payload))) or 0)
    name, at_most_once = _job_of(held.payload)
    limit = int(get_config()["MAX_RECOVERIES"])
    if not at_most_once and recovered < limit:
        return held.payload
    why = (
        "the job is at most once"
        if at_most_once
        else f"it was recovered {recovered} times already (MAX_RECOVERIES={limit})"
    )
    outcome = Outcome(
        ok=False,
        exception="PruneDeadWorkerDirtyExit",
        error=f"Worker {worker_id} did not gracefully exit while processing {name}; "
        f"not run again because {why}.",
        backtrace=[f"pruned at {now.isoformat()}"],
    )
    failures.save(failures.build(held.payload, outcome, queue=held.queue, worker_id=worker_id))
    group, member_id = member_of(held.payload, decode_or_none(held.payload))
    if group is not None:  # a member that failed for good: its group counts it
        group_records.member("failed", group, member_id)
    return b""


def _fail_unreadable(worker_id: str, record: bytes) -> None:
    """Keep a record we cannot parse as a failure, so dropping it loses nothing."""
    outcome = Outcome.dirty_exit(f"Worker {worker_id} held an in-flight record that is not JSON.")
    failures.save(failures.build(record, outcome, queue="", worker_id=worker_id))


def _job_of(payload: bytes) -> tuple[str, bool]:
    decoded = decode_or_none(payload)
    if decoded is None:
        return "<malformed>", False
    name = decoded.job_name
    definition = get_job(name)
    return name, bool(definition is not None and definition.at_most_once)


def requeue_own(worker_id: str, *, finished: bytes | None = None, crashed: bool = False) -> bool:
    """Put this worker's own in-flight payload back at the head of its queue, uncounted.

    For a payload that never started, or was stopped by shutdown: no attempt is consumed.
    `finished` is the payload of the job this worker last finished: a reserve that failed
    without running leaves that job's record in place, and such a record is dropped, not run
    again (compared byte for byte: a payload need not carry an id).
    `crashed`: the worker is ending by a fault outside the job boundary, which the payload may
    have caused, so it counts as a recovery as a dead worker's would (MAX_RECOVERIES applies).
    """
    record = _get(get_keys().worker(worker_id))
    if not record:
        return False
    held = in_flight(record)
    if held is None:
        _fail_unreadable(worker_id, record)
    push = held.payload if held else b""
    if held is not None and finished is not None and held.payload == finished:
        logger.info("worker=%s event=finished-record-dropped id=%s", worker_id, _id_of(finished))
        push = b""
    elif held is not None and crashed:
        push = _fate(worker_id, held, get_keys(), redis_now())
    count = crashed and bool(push)  # a dropped or failed payload needs no count
    return _requeue(worker_id, record, b"", held, push=push, count=count, unregister=False)


def holds(worker_id: str, payload: bytes | None) -> bool:
    """True if this worker's in-flight record holds exactly `payload`."""
    record = _get(get_keys().worker(worker_id))
    held = in_flight(record) if record else None
    return held is not None and payload is not None and held.payload == payload


def _id_of(payload: bytes) -> str | None:
    decoded = decode_or_none(payload)
    return decoded.id if decoded is not None else None


def _requeue(
    worker_id: str,
    record: bytes,
    heartbeat: bytes,
    held: InFlight | None,
    *,
    push: bytes,
    count: bool,
    unregister: bool,
) -> bool:
    keys = get_keys()
    queue = held.queue if held else "-"
    digest = _digest(held.payload) if held else "-"
    payload = decode_or_none(held.payload) if held else None
    held_args: list[object] = [""] * 8
    if payload is not None and payload.id and "limits" in payload.extras:
        # What the worker held for it is freed (lua/_limits.lua); without a push it failed for
        # good, or it was a finished job's record that is dropped.
        final = "0" if push else "1"
        limits = limit_records.field_json(payload.extras)
        held_args = [limits, payload.id, final, *limit_records.script_args()]
    result = scripts.run(
        "requeue",
        [
            keys.worker(worker_id),
            keys.queue(queue),
            keys.wake(queue),
            keys.queues(),
            keys.recoveries(digest),
            keys.workers(),
            keys.worker_started(worker_id),
            keys.heartbeats(),
            keys.stat("processed", worker_id),
            keys.stat("failed", worker_id),
            keys.incarnations(),
        ],
        [
            worker_id,
            record,
            heartbeat,
            push,
            queue,
            int(count),
            RECOVERY_MEMORY,
            int(unregister),
            WAKE_TOKEN_CAP,
            *held_args,
        ],
    )
    return bool(result)


def _digest(payload: bytes) -> str:
    return hashlib.sha1(payload).hexdigest()


def _get(key: str) -> bytes | None:
    value = get_redis().get(key)
    return None if value is None else to_bytes(value)
