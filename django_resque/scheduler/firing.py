"""Firing recurring schedules: which slots are due, the catch-up policy, and the fenced claim.

Slots are epoch seconds on Redis's clock. For each entry the scheduler keeps the last slot fired
(or deliberately passed) in `dj:scheduler:last_slot`; the slots after it and at or before now
are due. What happens to them is the entry's catch-up policy:

* `once` (default): fire the latest due slot, once, however many were missed;
* `all`: fire each due slot, oldest first, at most `max_catchup` (the most recent ones);
* `skip`: fire the latest slot only if it is at most `misfire_grace` seconds late; else pass it.

Each slot is claimed and enqueued in one script that also checks the lease (schedule_fire.lua).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django_resque.limits.spec import lock_of
from django_resque.queues.lists import WAKE_TOKEN_CAP
from django_resque.queues.promotion import LeaseLost
from django_resque.scheduler.entry import ScheduleEntry
from django_resque.scheduler.schedules import build_payload, format_time
from django_resque.storage import scripts
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

logger = logging.getLogger(__name__)

CLAIM_TTL = 3600  # seconds a slot claim is kept; last_slot guards the order beyond it


def due_slots(entry: ScheduleEntry, last: int, now: int, grace: float) -> list[tuple[int, bool]]:
    """Return (slot, fire?) pairs, oldest first, for the slots after `last` up to `now`."""
    limit = entry.max_catchup if entry.catchup == "all" else 1
    slots = entry.timing.slots(last, now, limit)
    if entry.catchup == "skip":
        return [(slot, now - slot <= grace) for slot in slots]
    return [(slot, True) for slot in slots]


def fire_entry(entry: ScheduleEntry, now: int, *, lease: str, grace: float) -> int:
    """Fire or pass an entry's due slots; return how many were enqueued."""
    client, keys = get_redis(), get_keys()
    raw_last = client.hget(keys.schedule_last_slot(), entry.name)
    if raw_last is None:  # first sight of this entry: start from now, fire nothing missed
        client.hsetnx(keys.schedule_last_slot(), entry.name, now - 1)
        raw_last = client.hget(keys.schedule_last_slot(), entry.name)
    fired = 0
    grace = entry.misfire_grace if entry.misfire_grace is not None else grace
    for slot, fire in due_slots(entry, int(raw_last or now - 1), now, grace):
        fired += claim(entry, slot, now, lease=lease, fire=fire)
    return fired


def claim(entry: ScheduleEntry, slot: int, now: int, *, lease: str, fire: bool) -> int:
    """Claim one slot and enqueue it (or mark it passed) in one fenced script; 1 if enqueued."""
    keys = get_keys()
    # queue_time is the slot's firing time: a firing made late (catch-up) shows as a wait
    extras = {"schedule": entry.name, "slot": slot, "queue_time": float(slot)}
    queue, payload = build_payload(entry, extras=extras)
    lock = lock_of(payload.extras, payload.id or "") if fire else None
    result = scripts.run(
        "schedule_fire",
        [
            keys.scheduler_leader(),
            keys.schedule_slot(entry.name, slot),
            keys.schedule_last_slot(),
            keys.last_enqueued_at(),
            keys.queues(),
            keys.queue(queue),
            keys.wake(queue),
        ],
        [
            lease,
            entry.name,
            slot,
            CLAIM_TTL,
            format_time(datetime.fromtimestamp(now, UTC)),
            queue,
            WAKE_TOKEN_CAP,
            payload.encode() if fire else "",
            *(lock.script_args() if lock is not None else ("", "", "")),
        ],
    )
    if result == -1:
        raise LeaseLost("another scheduler holds the lease")
    if result == 1:
        logger.info(
            "event=fired schedule=%s slot=%s queue=%s job=%s id=%s",
            entry.name,
            slot,
            queue,
            entry.job_name,
            payload.id,
        )
    elif result == 2:
        logger.info("event=passed schedule=%s slot=%s catchup=skip", entry.name, slot)
    elif result == 3:  # a unique job whose last copy has not run yet
        logger.info("event=passed schedule=%s slot=%s reason=duplicate", entry.name, slot)
    return 1 if result == 1 else 0
