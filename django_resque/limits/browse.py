"""What the admin's Limits page reads: the locks, slots and rate windows held, and who waits.

Read only, and bounded whatever Redis holds: a SCAN of at most SCAN_BATCHES batches over the
keys under `Keys.limit_prefix()` (at most NAMES_READ names), then at most three pipelined
round trips. A slots hash shows at most HOLDERS_SHOWN fields, a lock its first VALUE_BYTES,
a waiting list its length and first payloads (one for the list, WAITING_SHOWN for one limit).
A key of another type than the layout says is listed as unreadable and otherwise ignored.
A limit's size comes from the `max` hash while jobs wait on it, else from the `limits` field
of its first waiting payload, or of the payload run by the first worker holding one of its
slots; a rate window's starts are counted within the window when its length is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis

from django_resque.limits.held import Holder, Listing, Lock, Rate, Slots, Waiting
from django_resque.limits.waiting import (
    WaitingJob,
    rate_of,
    slot_max,
    stored_max,
    waiting_job,
    whole,
)
from django_resque.storage.codec import json_or, to_bytes, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

SCAN_BATCHES = 20  # SCAN calls at most, COUNT SCAN_COUNT each
SCAN_COUNT = 500
NAMES_READ = 600  # limit keys one listing reads at most
HOLDERS_SHOWN = 50  # fields of one slots hash
WAITING_SHOWN = 20  # payloads one limit's page shows of each waiting list
VALUE_BYTES = 1024  # of a lock's value (a job id is 32 characters)
FIELD_CHARS = 1000  # of a slots hash field or value
# The parts of a limit, as a key name after limit_prefix() and before `:<k>`, and their types.
PARTS = {
    "wait:slots": b"list",
    "wait:rate": b"list",
    "lock": b"string",
    "slots": b"hash",
    "rate": b"zset",
}

Label = tuple[str | None, str]  # (k, what) names one reply; k None: not one limit's


def listing() -> Listing:
    """Every limit held or waited on, as far as a bounded SCAN reaches, sorted by key."""
    found, complete = _scan()
    result = _read(found, waiting_shown=1)
    result.complete = complete
    return result


def detail(k: str) -> Listing | None:
    """Limit `k`'s lock, slots and rate window with their first waiting jobs; None if none."""
    keys = get_keys()
    names = {
        "lock": keys.limit_lock(k),
        "slots": keys.limit_slots(k),
        "rate": keys.limit_rate(k),
        "wait:slots": keys.limit_wait("slots", k),
        "wait:rate": keys.limit_wait("rate", k),
    }
    result = _read({k: {part: name.encode() for part, name in names.items()}}, WAITING_SHOWN)
    return result if result.locks or result.slots or result.rates or result.unreadable else None


def _scan() -> tuple[dict[str, dict[str, bytes]], bool]:
    """Map each limit key k found to {part: key name}; and whether the SCAN saw every key."""
    client = get_redis()
    prefix = get_keys().limit_prefix().encode()
    pattern = b"".join(b"\\" + bytes([c]) if c in b"\\*?[" else bytes([c]) for c in prefix)
    found: dict[str, dict[str, bytes]] = {}
    cursor, read = 0, 0
    for _ in range(SCAN_BATCHES):
        cursor, names = client.scan(cursor, match=pattern + b"*", count=SCAN_COUNT)
        for raw in names:
            name = to_bytes(raw)
            part, k = _split(name[len(prefix) :])
            if part is not None and read < NAMES_READ:
                found.setdefault(k, {})[part] = name
                read += 1
        if cursor == 0 or read >= NAMES_READ:
            break
    return found, cursor == 0 and read < NAMES_READ


def _split(rest: bytes) -> tuple[str | None, str]:
    """(part, k) of a key name after the prefix; part None for `max`, `due` or a stray name."""
    for part in PARTS:
        if rest.startswith(part.encode() + b":"):
            return part, to_text(rest[len(part) + 1 :])
    return None, ""


def _run(
    pipe: redis.client.Pipeline, asks: Iterable[tuple[Label, tuple[Any, ...]]]
) -> dict[Label, Any]:
    """Send the commands in one round trip; their replies by label. A reply that is an error
    (a value of the wrong type met between two round trips) is kept as the error."""
    labels = []
    for label, command in asks:
        pipe.execute_command(*command)
        labels.append(label)
    if not labels:
        return {}
    replies = pipe.execute(raise_on_error=False)
    for reply in replies:
        if isinstance(reply, Exception) and not isinstance(reply, redis.ResponseError):
            raise reply
    return dict(zip(labels, replies, strict=True))


def _read(found: dict[str, dict[str, bytes]], waiting_shown: int) -> Listing:
    client, max_key, result = get_redis(), get_keys().limit_max(), Listing()
    with client.pipeline(transaction=False) as pipe:
        first = _run(pipe, _first(found, max_key))
        seconds, micros = first[None, "time"]
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        present: dict[str, dict[str, bytes]] = {}
        for (k, part), kind in first.items():
            if k is None or kind == b"none" or isinstance(kind, Exception):
                continue
            if kind == PARTS[part]:
                present.setdefault(k, {})[part] = found[k][part]
            else:
                result.unreadable.append((to_text(found[k][part]), to_text(kind)))
        maxes = first.get((None, "max"))
        if first[None, "max type"] not in {b"hash", b"none"}:
            result.unreadable.append((max_key, to_text(first[None, "max type"])))
        maxes = dict(zip(_max_fields(found), maxes, strict=True)) if isinstance(maxes, list) else {}
        values = _run(pipe, _second(present, waiting_shown))
        sizes = _Sizes(present, values, maxes)
        extra = _run(pipe, sizes.third(now_ms))
    for k in sorted(present):
        sizes.build(k, {**values, **extra}, result)
    return result


def _max_fields(found: dict[str, dict[str, bytes]]) -> list[str]:
    return [f"{kind}:{k}" for k in sorted(found) for kind in ("slots", "rate")]


def _first(found: dict[str, dict[str, bytes]], max_key: str) -> list[tuple[Label, tuple[Any, ...]]]:
    asks: list[tuple[Label, tuple[Any, ...]]] = [
        ((None, "time"), ("TIME",)),
        ((None, "max type"), ("TYPE", max_key)),
    ]
    if found:
        asks.append(((None, "max"), ("HMGET", max_key, *_max_fields(found))))
    asks.extend(
        ((k, part), ("TYPE", name)) for k, names in found.items() for part, name in names.items()
    )
    return asks


def _second(
    present: dict[str, dict[str, bytes]], waiting_shown: int
) -> list[tuple[Label, tuple[Any, ...]]]:
    asks: list[tuple[Label, tuple[Any, ...]]] = []
    for k, names in present.items():
        for part, name in names.items():
            if part == "lock":
                asks.append(((k, "lock"), ("GETRANGE", name, 0, VALUE_BYTES - 1)))
                asks.append(((k, "lock ttl"), ("PTTL", name)))
            elif part == "slots":
                asks.append(((k, "slots"), ("HSCAN", name, 0, "COUNT", HOLDERS_SHOWN)))
                asks.append(((k, "slots count"), ("HLEN", name)))
            elif part != "rate":
                asks.append(((k, part), ("LRANGE", name, 0, waiting_shown - 1)))
                asks.append(((k, f"{part} count"), ("LLEN", name)))
    return asks


class _Sizes:
    """Works out each limit's size, asks what is still missing, then builds its rows."""

    def __init__(
        self,
        present: dict[str, dict[str, bytes]],
        values: dict[Label, Any],
        maxes: dict[str, bytes | None],
    ) -> None:
        self.present, self.values = present, values
        self.slot_limits: dict[str, int | None] = {}
        self.rates: dict[str, tuple[int | None, int | None]] = {}
        for k, names in present.items():
            if {"slots", "wait:slots"} & names.keys():
                first = self._first_waiting(k, "wait:slots")
                known = stored_max(maxes.get(f"slots:{k}"))[0]
                self.slot_limits[k] = known or (slot_max(first.payload, k) if first else None)
            if {"rate", "wait:rate"} & names.keys():
                first = self._first_waiting(k, "wait:rate")
                known_rate = stored_max(maxes.get(f"rate:{k}"))
                if known_rate[0] is None and first is not None:
                    known_rate = rate_of(first.payload, k)
                self.rates[k] = known_rate

    def _first_waiting(self, k: str, part: str) -> WaitingJob | None:
        items = _reply(self.values.get((k, part)), [])
        return waiting_job(items[0]) if items else None

    def third(self, now_ms: int) -> list[tuple[Label, tuple[Any, ...]]]:
        """Count the starts in each rate window; read a slot holder's payload for its size."""
        asks: list[tuple[Label, tuple[Any, ...]]] = []
        for k, (_, per) in self.rates.items():
            name = self.present[k].get("rate")
            if name is not None and per is not None:
                asks.append(((k, "starts"), ("ZCOUNT", name, f"({now_ms - per * 1000}", "+inf")))
            elif name is not None:
                asks.append(((k, "starts"), ("ZCARD", name)))
        for k, limit in self.slot_limits.items():
            workers = [h for h in self.holders(k) if not h.handed_out]
            if limit is None and workers:
                asks.append(((k, "running"), ("GET", get_keys().worker(workers[0].field))))
        return asks

    def holders(self, k: str) -> list[Holder]:
        pairs = _reply(self.values.get((k, "slots")), (0, {}))[1].items()
        shown = [_holder(to_text(f)[:FIELD_CHARS], to_text(v)[:FIELD_CHARS]) for f, v in pairs]
        return sorted(shown, key=lambda h: (h.handed_out, h.field))[:HOLDERS_SHOWN]

    def build(self, k: str, replies: dict[Label, Any], result: Listing) -> None:
        lock = _reply(replies.get((k, "lock")), None)
        if lock:
            ttl = _reply(replies.get((k, "lock ttl")), -1)
            result.locks.append(Lock(k, to_text(lock), ttl if ttl >= 0 else None))
        if k in self.slot_limits:
            limit = self.slot_limits[k]
            if limit is None and (k, "running") in replies:
                running = _reply(replies[k, "running"], None)
                limit = slot_max(_record_payload(running), k)
            in_use = _reply(replies.get((k, "slots count")), 0)
            holders = tuple(self.holders(k))
            result.slots.append(
                Slots(k, in_use, limit, holders, _waiting(replies, k, "wait:slots"))
            )
        if k in self.rates:
            limit, per = self.rates[k]
            starts = _reply(replies.get((k, "starts")), 0)
            result.rates.append(Rate(k, starts, limit, per, _waiting(replies, k, "wait:rate")))


def _reply(reply: Any, default: Any) -> Any:
    """A reply, or `default` for none or an error (the key changed type between reads)."""
    return default if reply is None or isinstance(reply, Exception) else reply


def _waiting(replies: dict[Label, Any], k: str, part: str) -> Waiting:
    items = _reply(replies.get((k, part)), [])
    count = _reply(replies.get((k, f"{part} count")), 0)
    return Waiting(count, tuple(waiting_job(item) for item in items))


def _holder(field: str, value: str) -> Holder:
    if field.startswith("~"):
        return Holder(field, field[1:], whole(value))
    return Holder(field, value, None)


def _record_payload(record: bytes | None) -> Any:
    """The payload of a worker's in-flight record `{"queue", "run_at", "payload"}`."""
    parsed = json_or(record, None) if record is not None else None
    return parsed.get("payload") if isinstance(parsed, dict) else None
