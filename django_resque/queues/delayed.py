"""Delayed jobs: payloads waiting in Redis for their time, in resque-scheduler's exact layout.

An item is stored as resque-scheduler stores it (`resque-protocol.md` §5.1): the JSON
`{"class":..,"args":[..],"queue":..}` — plus our `kwargs` and `id` after those keys when a @job
call has them — RPUSHed on `delayed:<epoch>`, indexed in `timestamps:<item json>` and in the
`delayed_queue_schedule` zset. Ruby and Node schedulers promote our items and we promote theirs.
Every change to the three structures happens in one Lua script, so they never disagree.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from django_resque.conf import get_config
from django_resque.exceptions import InvalidJob
from django_resque.jobs.payload import Payload, to_json_args
from django_resque.queues import lists as queues
from django_resque.queues import promotion, replicas
from django_resque.storage import scripts
from django_resque.storage.codec import json_or, to_bytes, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

if TYPE_CHECKING:
    from django_resque.limits.spec import UniqueLock
    from django_resque.results.status import StatusFields

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_PAGE = 100


# --- writing --------------------------------------------------------------------------------
def enqueue_at(when: datetime, job_name: str, /, *args: Any, queue: str | None = None) -> None:
    """Store a job by name exactly as Ruby's `Resque.enqueue_at_with_queue` would, byte for byte.

    The item carries no id and no keyword arguments, so Ruby's `remove_delayed` finds it.
    """
    from django_resque.jobs.registry import validate_job_name, validate_queue_name

    validate_job_name(job_name)
    json_args, _ = to_json_args(args, {})
    target = validate_queue_name(queue or get_config()["DEFAULT_QUEUE"])
    ts = epoch(when)
    if ts <= time.time():
        queues.push(target, Payload(job_name, json_args).encode())
    else:
        push(ts, encode_item(Payload(job_name, json_args), target))


def enqueue_in(delay: timedelta, job_name: str, /, *args: Any, queue: str | None = None) -> None:
    """enqueue_at() `delay` from now."""
    enqueue_at(timezone.now() + _delay(delay), job_name, *args, queue=queue)


def encode_item(payload: Payload, queue: str) -> str:
    """Return the delayed item JSON: Ruby's `{"class","args","queue"}`, then our extras."""
    obj: dict[str, Any] = {"class": payload.job_name, "args": payload.args, "queue": queue}
    if payload.kwargs:
        obj["kwargs"] = payload.kwargs
    if payload.id is not None:
        obj["id"] = payload.id
    obj.update(payload.extras)
    return _encoder.encode(obj)


def push(
    ts: int,
    item: str,
    *,
    queue: str = "",
    status: StatusFields | None = None,
    group: str | None = None,
    lock: UniqueLock | None = None,
) -> str | None:
    """RPUSH the item on `delayed:<ts>` and index it, in one script; EnqueueError on failure.

    `status` (status.enqueued_fields) writes the job's first status, `scheduled` on `queue`, in
    the same call; promotion marks it `queued`. `group`: the item's id joins that group's
    pending members in the same call. `lock`: a unique job's lock, taken first (its ttl counts
    from `ts`); if another job holds it nothing is stored and that job's id is returned.
    """
    (encoded,) = queues.encode_checked([item])
    keys = get_keys()
    script_keys = [keys.delayed(ts), keys.timestamps(item), keys.delayed_schedule()]
    args: list[Any] = [ts, encoded, keys.delayed_member(ts), group or "", keys.group_prefix()]
    args += lock.script_args() if lock is not None else ["", "", ""]
    if status is not None:
        script_keys.append(status[0])
        args += [status[1][0], queue, status[1][1]]
    reply = replicas.run_enqueue("delay", script_keys, args, f"a delayed job for {ts}")
    return to_text(reply[0]) if isinstance(reply, list) else None


def epoch(when: datetime) -> int:
    """Return integer epoch seconds (truncated, as Ruby's to_i); naive times need USE_TZ off."""
    if not isinstance(when, datetime):
        raise InvalidJob(f"enqueue_at needs a datetime, not {when!r}.")
    if timezone.is_naive(when):
        if settings.USE_TZ:
            raise InvalidJob(
                f"enqueue_at got the naive datetime {when.isoformat()}; with USE_TZ = True pass "
                "an aware one, such as django.utils.timezone.now() + timedelta(hours=1)."
            )
        when = timezone.make_aware(when)
    return int(when.timestamp())


def _delay(delay: timedelta) -> timedelta:
    if not isinstance(delay, timedelta):
        raise InvalidJob(f"enqueue_in needs a timedelta, not {delay!r}.")
    return delay


# --- reading ----------------------------------------------------------------------------------
def count() -> int:
    """Return how many items wait, over every timestamp (one LLEN per timestamp, pipelined)."""
    client, keys = get_redis(), get_keys()
    total = 0
    for page in _timestamp_pages():
        with client.pipeline(transaction=False) as pipe:
            for ts in page:
                pipe.llen(keys.delayed(ts))
            total += sum(pipe.execute())
    return total


def timestamp_count() -> int:
    """Return how many distinct due times hold items (for paging timestamps())."""
    return int(get_redis().zcard(get_keys().delayed_schedule()))


def timestamps(offset: int = 0, limit: int = 20) -> list[tuple[datetime, int]]:
    """Return (due time, item count) for `limit` timestamps from `offset`, soonest first."""
    if limit <= 0:
        return []
    client, keys = get_redis(), get_keys()
    found = ints(client.zrange(keys.delayed_schedule(), offset, offset + limit - 1))
    with client.pipeline(transaction=False) as pipe:
        for ts in found:
            pipe.llen(keys.delayed(ts))
        sizes = pipe.execute()
    return [(from_epoch(ts), int(n)) for ts, n in zip(found, sizes, strict=True)]


def items_at(when: datetime | int, limit: int = 1000) -> list[dict[str, Any]]:
    """Return up to `limit` items due at one timestamp, decoded (`{"raw": text}` if not JSON)."""
    ts = when if isinstance(when, int) else epoch(when)
    raws = get_redis().lrange(get_keys().delayed(ts), 0, limit - 1)
    return [_decode(raw) for raw in raws]


def from_epoch(ts: int) -> datetime:
    """Return an aware UTC datetime for epoch seconds."""
    return datetime.fromtimestamp(ts, UTC)


# --- removing and promoting ---------------------------------------------------------------------
def remove_at(when: datetime | int) -> int:
    """Drop every item due at one timestamp; return how many were dropped."""
    ts = when if isinstance(when, int) else epoch(when)
    return _drain(ts, lambda raws: _remove(ts, raws, every_copy=False))


def enqueue_now(when: datetime | int) -> int:
    """Promote every item due at one timestamp onto its queue now; return how many moved."""
    ts = when if isinstance(when, int) else epoch(when)
    return _drain(ts, lambda raws: promotion.promote(ts, raws, lease=""))


def remove(job_name: str, *args: Any) -> int:
    """Drop every item of a job whose positional args equal `args` (a scan, as Ruby's selection)."""
    wanted = list(args)
    return _remove_matching(
        lambda item: item.get("class") == job_name and item.get("args") == wanted
    )


def remove_job(job_name: str) -> int:
    """Drop every delayed item of a job, whatever its arguments."""
    return _remove_matching(lambda item: item.get("class") == job_name)


def enqueue_job_now(job_name: str, *args: Any) -> int:
    """Promote now every item of a job whose args equal `args` (Ruby's enqueue_delayed)."""
    wanted = list(args)
    found = _matching(lambda item: item.get("class") == job_name and item.get("args") == wanted)
    return sum(promotion.promote(ts, raws, lease="") for ts, raws in found.items())


def scheduled_at(job_name: str, *args: Any) -> list[datetime]:
    """Return the due times of a job's items whose args equal `args`, soonest first."""
    wanted = list(args)
    found = _matching(lambda item: item.get("class") == job_name and item.get("args") == wanted)
    return [from_epoch(ts) for ts in sorted(found)]


def clear() -> int:
    """Drop every delayed item, as resque-web's "Clear Delayed Jobs"; return how many."""
    dropped = 0
    for page in list(_timestamp_pages()):
        for ts in page:
            dropped += remove_at(ts)
    return dropped


def _remove_matching(match: Callable[[dict[str, Any]], bool]) -> int:
    found = _matching(match)
    return sum(_remove(ts, raws, every_copy=True) for ts, raws in found.items())


def _matching(match: Callable[[dict[str, Any]], bool]) -> dict[int, list[bytes]]:
    found: dict[int, list[bytes]] = {}
    for ts, raw in _all_items():
        if match(_decode(raw)):
            found.setdefault(ts, []).append(raw)
    return found


def _remove(ts: int, raws: list[bytes], *, every_copy: bool) -> int:
    keys = get_keys()
    return int(
        scripts.run(
            "delayed_remove",
            [
                keys.delayed_schedule(),
                keys.delayed(ts),
                *(keys.timestamps(r.decode()) for r in raws),
            ],
            [ts, 0 if every_copy else 1, keys.delayed_member(ts), keys.limit_prefix(), *raws],
        )
    )


def _drain(ts: int, take: Callable[[list[bytes]], int]) -> int:
    """Apply `take` to the timestamp's items a page at a time until the list is gone."""
    client, key, total = get_redis(), get_keys().delayed(ts), 0
    while raws := client.lrange(key, 0, _PAGE - 1):
        total += take([to_bytes(r) for r in raws])
    _remove(ts, [], every_copy=False)  # drop the zset member only if the list is still empty
    return total


def _timestamp_pages(size: int = 1000) -> Iterator[list[int]]:
    client, key, offset = get_redis(), get_keys().delayed_schedule(), 0
    while page := client.zrange(key, offset, offset + size - 1):
        yield ints(page)
        offset += size


def _all_items() -> Iterator[tuple[int, bytes]]:
    client, keys = get_redis(), get_keys()
    for page in _timestamp_pages(_PAGE):
        with client.pipeline(transaction=False) as pipe:
            for ts in page:
                pipe.lrange(keys.delayed(ts), 0, -1)
            for ts, raws in zip(page, pipe.execute(), strict=True):
                yield from ((ts, raw) for raw in raws)


def ints(values: Any) -> list[int]:
    """Return Redis replies (bytes holding digits) as ints."""
    return [int(v) for v in values]


def _decode(raw: bytes | str) -> dict[str, Any]:
    obj = json_or(raw, None)
    return obj if isinstance(obj, dict) else {"raw": to_bytes(raw).decode("utf-8", "replace")}
