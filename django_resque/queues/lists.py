"""Queues: Resque's named Redis lists of payloads, listed in the `queues` set."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

import redis

from django_resque.conf import get_config
from django_resque.exceptions import EnqueueError, EnqueueOutcomeUnknown
from django_resque.queues import replicas
from django_resque.storage import scripts
from django_resque.storage.codec import to_bytes, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

if TYPE_CHECKING:
    from django_resque.limits.spec import UniqueLock
    from django_resque.results.status import StatusFields

WAKE_TOKEN_CAP = 1000
_NO_LOCK = ("", "", "")  # the enqueue script's lock arguments when it takes no lock
CHUNKS_PER_ROUND_TRIP = 10  # script calls pipelined together by push_many


def push(
    queue: str,
    *payloads: str,
    status: StatusFields | None = None,
    group: str | None = None,
    lock: UniqueLock | None = None,
) -> str | None:
    """Append payloads to a queue in one round trip; raise EnqueueError if Redis refused.

    `status` (status.enqueued_fields) writes the job's first status in the same script call;
    `group`: the payloads' ids join that group's pending members in it too. `lock` (one payload
    only): a unique job's lock, taken first; if another job holds it nothing is written and
    that job's id is returned. Otherwise returns None.
    """
    encoded = encode_checked(payloads)
    keys = get_keys()
    key_list = [keys.queues(), keys.queue(queue), keys.wake(queue)]
    args: list[Any] = [queue, WAKE_TOKEN_CAP, group or "", keys.group_prefix()]
    args += lock.script_args() if lock is not None else _NO_LOCK
    if status is not None:
        key_list.append(status[0])
        args.extend(status[1])
    what = f"a job on queue={queue!r}"
    reply = replicas.run_enqueue("enqueue", key_list, [*args, *encoded], what)
    return to_text(reply[0]) if isinstance(reply, list) else None


def push_many(queue: str, payloads: list[str], *, chunk_size: int, group: str | None = None) -> int:
    """Append many payloads, `chunk_size` per script call, several calls per round trip.

    Every payload is size-checked before the first is sent. If Redis fails part way, the
    EnqueueError says how many payloads (the first ones, in order) were stored. `group`: as
    push's.
    """
    encoded = encode_checked(payloads)
    keys = get_keys()
    key_list = [keys.queues(), keys.queue(queue), keys.wake(queue)]
    header = [queue, WAKE_TOKEN_CAP, group or "", keys.group_prefix(), *_NO_LOCK]
    chunks = [encoded[i : i + chunk_size] for i in range(0, len(encoded), chunk_size)]
    stored, wait = 0, replicas.wait_command()
    try:
        for start in range(0, len(chunks), CHUNKS_PER_ROUND_TRIP):
            batch = chunks[start : start + CHUNKS_PER_ROUND_TRIP]
            calls = [(key_list, [*header, *chunk]) for chunk in batch]
            replies = scripts.run_many("enqueue", calls, then=wait)
            acknowledged = replies.pop() if wait is not None else None
            errors = [r for r in [*replies, acknowledged] if isinstance(r, Exception)]
            ok = zip(batch, replies, strict=True)
            stored += sum(len(chunk) for chunk, reply in ok if not isinstance(reply, Exception))
            if errors:
                raise errors[0]
            if acknowledged is not None:
                replicas.check(int(acknowledged), f"{stored} payloads on queue={queue!r}")
    except redis.RedisError as exc:
        unknown = EnqueueError.may_have_run(exc)
        message = (
            f"Could not enqueue all of {len(encoded)} payloads on queue={queue!r}; "
            f"{'at least ' if unknown else ''}{stored} were stored: {exc}"
        )
        raise (EnqueueOutcomeUnknown if unknown else EnqueueError)(message) from exc
    return stored


def encode_checked(payloads: tuple[str, ...] | list[str]) -> list[bytes]:
    """Return the payloads as UTF-8; raise EnqueueError if one is over MAX_PAYLOAD_BYTES.

    Every enqueue path (plain, bulk, priority, delayed) checks here before anything is sent.
    """
    limit = get_config()["MAX_PAYLOAD_BYTES"]
    encoded = [p.encode("utf-8") for p in payloads]
    for data in encoded:
        if len(data) > limit:
            raise EnqueueError(
                f"Payload of {len(data)} bytes is over RESQUE['MAX_PAYLOAD_BYTES'] ({limit}); "
                "store large data elsewhere (a file, a model) and pass its key."
            )
    return encoded


def names() -> list[str]:
    """Return every known queue name, sorted."""
    return sorted(to_text(n) for n in get_redis().smembers(get_keys().queues()))


def size(queue: str) -> int:
    """Return how many payloads wait on a queue, those waiting at a priority included."""
    return sizes([queue])[queue]


def peek(queue: str, start: int = 0, count: int = 20) -> list[bytes]:
    """Return up to `count` raw payloads from position `start`, oldest first."""
    if count <= 0:
        return []
    raws = get_redis().lrange(get_keys().queue(queue), start, start + count - 1)
    return [to_bytes(p) for p in raws]


def clear(queue: str) -> int:
    """Drop every payload of a queue (the name stays known); return how many were dropped."""
    client, keys = get_redis(), get_keys()
    with client.pipeline() as pipe:
        pipe.llen(keys.queue(queue))
        pipe.delete(keys.queue(queue), keys.wake(queue), keys.priority(queue))
        dropped, _ = pipe.execute()
    return int(dropped)


def remove(queue: str) -> None:
    """Forget a queue and its payloads, as Resque.remove_queue does."""
    client, keys = get_redis(), get_keys()
    with client.pipeline() as pipe:
        pipe.srem(keys.queues(), queue)
        pipe.delete(keys.queue(queue), keys.wake(queue), keys.priority(queue))
        pipe.execute()


def resolve(patterns: list[str], known: list[str]) -> list[str]:
    """Expand a worker's queue list: globs as Ruby does (sorted per pattern), `!x` excludes."""
    excluded = [p[1:] for p in patterns if p.startswith("!")]
    result: list[str] = []
    for pattern in (p for p in patterns if not p.startswith("!")):
        matches = (
            sorted(q for q in known if fnmatchcase(q, pattern)) if _is_glob(pattern) else [pattern]
        )
        result.extend(q for q in matches if q not in result)
    return [q for q in result if not any(fnmatchcase(q, e) for e in excluded)]


def served_by(queue: str, patterns: list[str]) -> bool:
    """Return True if a worker listening to `patterns` takes jobs from `queue`."""
    return queue in resolve(patterns, [queue])


def is_dynamic(patterns: list[str]) -> bool:
    """Return True if the list has globs or exclusions, so it must be resolved against Redis."""
    return any(_is_glob(p) or p.startswith("!") for p in patterns)


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[]{}")


# --- admin: reads and edits the Queues page needs -------------------------------------
REMOVE_WINDOW = 1000  # how far before the shown position remove_payload looks


def sizes(names: list[str]) -> dict[str, int]:
    """Return the size of each named queue (its list and its prioritised set), in one round trip."""
    keys = get_keys()
    with get_redis().pipeline(transaction=False) as pipe:
        for name in names:
            pipe.llen(keys.queue(name))
            pipe.zcard(keys.priority(name))
        counts = [int(n) for n in pipe.execute()]
    return {name: counts[2 * i] + counts[2 * i + 1] for i, name in enumerate(names)}


def digest(raw: bytes) -> str:
    """Return the SHA-1 hex of a payload, the identity remove_payload checks."""
    return hashlib.sha1(raw).hexdigest()


def remove_payload(queue: str, index: int, sha1: str) -> bool:
    """Remove the payload with these bytes at (or shortly before) `index`; False if it is gone.

    A unique job removed so releases its lock: a new copy may be enqueued.
    """
    keys = get_keys()
    removed = scripts.run(
        "remove_payload",
        [keys.queue(queue)],
        [max(index, 0), sha1, REMOVE_WINDOW, keys.limit_prefix()],
    )
    return bool(removed)


def pause(queue: str) -> None:
    """Stop django_resque workers reserving from a queue (payloads stay and still enqueue)."""
    get_redis().sadd(get_keys().paused_queues(), queue)


def resume(queue: str) -> None:
    """Let workers reserve from a paused queue again."""
    get_redis().srem(get_keys().paused_queues(), queue)


def paused() -> list[str]:
    """Return the paused queue names, sorted."""
    return sorted(to_text(n) for n in get_redis().smembers(get_keys().paused_queues()))


@dataclass(frozen=True, slots=True)
class QueueInfo:
    name: str
    size: int
    paused: bool


def describe(names: list[str]) -> list[QueueInfo]:
    """Return size and paused state of the named queues, in two round trips."""
    counts, stopped = sizes(names), set(paused())
    return [QueueInfo(n, counts[n], n in stopped) for n in names]
