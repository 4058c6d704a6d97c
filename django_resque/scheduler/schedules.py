"""Recurring schedules: the static ones from RESQUE["SCHEDULE"] and the dynamic ones in Redis.

Dynamic entries live in resque-scheduler's `persistent_schedules` hash (name -> JSON config,
its keys first) and every change is announced in `schedules_changed`, as Ruby does; our
scheduler re-reads the hash on every pass. Pausing is ours (`dj:scheduler:paused`) and works for
static and dynamic entries alike. Last runs come from resque-scheduler's
`delayed:last_enqueued_at` hash.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django_resque.conf import get_config
from django_resque.exceptions import InvalidJob
from django_resque.jobs.payload import Payload
from django_resque.limits.spec import lock_of
from django_resque.queues import lists as queues
from django_resque.scheduler.entry import ScheduleEntry, parse
from django_resque.storage.clock import parse_ruby_time, redis_now, ruby_time
from django_resque.storage.codec import json_or, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

if TYPE_CHECKING:
    from django_resque.jobs.handles import JobHandle

__all__ = ["ScheduleEntry", "entries", "get", "pause", "remove", "resume", "set", "trigger"]

logger = logging.getLogger(__name__)

_warned: set[tuple[str, str]] = set()


def configured() -> list[ScheduleEntry]:
    """Return every enabled-or-not entry without run-time state: static first, then dynamic."""
    static = dict(get_config()["SCHEDULE"] or {})
    dynamic = get_redis().hgetall(get_keys().persistent_schedules())
    configs = [(name, cfg, False) for name, cfg in static.items()]
    configs += [(to_text(n), c, True) for n, c in dynamic.items() if to_text(n) not in static]
    found: list[ScheduleEntry] = []
    for name, cfg, is_dynamic in configs:
        try:
            config = json_or(cfg, {"unreadable": to_text(cfg)[:200]}) if is_dynamic else cfg
            found.append(parse(name, config, dynamic=is_dynamic))
        except ValueError as exc:  # reported by the system checks (static) or set() (dynamic)
            if (name, str(exc)) not in _warned:  # once per process, not once per pass
                _warned.add((name, str(exc)))
                logger.warning("event=bad_schedule schedule=%s error=%s", name, exc)
    return found


def entries(now: int | None = None) -> list[ScheduleEntry]:
    """Return every entry with paused, next_run_at and last_run_at filled in."""
    client, keys = get_redis(), get_keys()
    found = configured()
    if now is None:
        now = int(redis_now().timestamp())
    paused = {to_text(n) for n in client.smembers(keys.schedules_paused())}
    last = {to_text(k): to_text(v) for k, v in client.hgetall(keys.last_enqueued_at()).items()}
    return [
        dataclasses.replace(
            entry,
            paused=entry.name in paused,
            next_run_at=datetime.fromtimestamp(entry.timing.next_after(now), UTC),
            last_run_at=_parse_time(last.get(entry.name)),
        )
        for entry in found
    ]


def active() -> list[ScheduleEntry]:
    """Return the entries the scheduler should fire: enabled and not paused."""
    paused = {to_text(n) for n in get_redis().smembers(get_keys().schedules_paused())}
    return [e for e in configured() if e.enabled and e.name not in paused]


def get(name: str) -> ScheduleEntry | None:
    """Return one entry by name, with its run-time state, or None."""
    return next((e for e in entries() if e.name == name), None)


def trigger(name: str) -> JobHandle:
    """Enqueue an entry's job now, outside its schedule (its slots are not affected).

    A unique job whose copy holds the lock is not enqueued: the handle says enqueued=False and
    names that copy.
    """
    from django_resque.jobs.handles import JobHandle

    entry = _require(name)
    queue, payload = build_payload(entry, extras={"schedule": name, "queue_time": time.time()})
    job_id = payload.id or ""
    holder = queues.push(queue, payload.encode(), lock=lock_of(payload.extras, job_id))
    if holder is not None:
        return JobHandle(id=holder, job_name=entry.job_name, queue=queue, enqueued=False)
    return JobHandle(id=job_id, job_name=entry.job_name, queue=queue)


def pause(name: str) -> None:
    """Stop firing an entry until resume(); slots passed meanwhile follow its catch-up policy."""
    _require(name)
    get_redis().sadd(get_keys().schedules_paused(), name)


def resume(name: str) -> None:
    """Fire a paused entry again."""
    _require(name)
    get_redis().srem(get_keys().schedules_paused(), name)


def set(name: str, **cfg: Any) -> ScheduleEntry:
    """Add or replace a dynamic entry; raise InvalidJob if the config is not valid."""
    if name in (get_config()["SCHEDULE"] or {}):
        raise InvalidJob(f"Schedule {name!r} is defined in RESQUE['SCHEDULE']; edit it there.")
    try:
        entry = parse(name, cfg, dynamic=True)
    except ValueError as exc:
        raise InvalidJob(str(exc)) from exc
    keys = get_keys()
    with get_redis().pipeline() as pipe:
        pipe.hset(keys.persistent_schedules(), name, json.dumps(entry.config()))
        pipe.sadd(keys.schedules_changed(), name)
        pipe.execute()
    return entry


def remove(name: str) -> bool:
    """Delete a dynamic entry; return False if there was none (static ones cannot be removed)."""
    if name in (get_config()["SCHEDULE"] or {}):
        raise InvalidJob(f"Schedule {name!r} is defined in RESQUE['SCHEDULE']; remove it there.")
    keys = get_keys()
    with get_redis().pipeline() as pipe:
        pipe.hdel(keys.persistent_schedules(), name)
        pipe.sadd(keys.schedules_changed(), name)
        pipe.srem(keys.schedules_paused(), name)
        pipe.hdel(keys.schedule_last_slot(), name)
        removed, *_ = pipe.execute()
    return bool(removed)


def reloaded() -> None:
    """Empty `schedules_changed`, as resque-scheduler's leader does after a full reload."""
    get_redis().delete(get_keys().schedules_changed())


def build_payload(entry: ScheduleEntry, extras: dict[str, Any]) -> tuple[str, Payload]:
    """Return (queue, payload) for one firing of an entry."""
    from django_resque.jobs.registry import get_job

    definition = get_job(entry.job_name)
    queue = entry.queue or (definition.queue_name if definition else get_config()["DEFAULT_QUEUE"])
    if definition is not None and definition.limits is not None:  # its @job's limits hold too
        limits = definition.limits.field(
            tuple(entry.args), entry.kwargs, (entry.args, entry.kwargs)
        )
        extras = {**extras, "limits": limits}
    payload = Payload(entry.job_name, entry.args, entry.kwargs, uuid.uuid4().hex, extras)
    return queue, payload


def format_time(moment: datetime) -> str:
    """Return a time as resque-scheduler writes last_enqueued_at (Ruby's Time#to_s, UTC)."""
    return ruby_time(moment.astimezone(UTC))


def _require(name: str) -> ScheduleEntry:
    entry = next((e for e in configured() if e.name == name), None)
    if entry is None:
        raise InvalidJob(f"There is no schedule named {name!r}.")
    return entry


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return parse_ruby_time(text)  # None: another scheduler's format, shown as unknown
