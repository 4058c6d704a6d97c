"""Priority within a queue (django.tasks' -100..100), on top of Resque's first-in-first-out lists.

A payload with priority 0 is pushed exactly as any Resque client pushes it. Any other priority
keeps the payload only in a per-queue sorted set (Keys.priority), ranked by priority, then
arrival; the worker's reserve takes those above 0 before the queue's list and those below 0 after
it, in the same script that writes the in-flight record (lua/_priority.lua). The Resque list
never holds them, so Ruby/PHP/Node workers sharing the queue see only plain payloads (and leave
the prioritised ones to django_resque workers). PRIORITY_SLOT is the marker older versions put in
the list for each prioritised payload; reserves skip it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_resque.exceptions import InvalidJob
from django_resque.queues import lists as queues
from django_resque.queues import replicas
from django_resque.storage import scripts
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

if TYPE_CHECKING:
    from django_resque.limits.spec import UniqueLock
    from django_resque.results.status import StatusFields

PRIORITY_SLOT = '{"class":"django_resque.priority_slot","args":[]}'
MIN_PRIORITY, MAX_PRIORITY = -100, 100
_NEGATIVE_FROM = 100 * 2**44  # zset scores from here on are priorities below 0 (see the Lua)


def push(
    queue: str,
    encoded: str,
    priority: int = 0,
    *,
    status: StatusFields | None = None,
    group: str | None = None,
    lock: UniqueLock | None = None,
) -> str | None:
    """Put a payload on a queue at its priority; raise EnqueueError if Redis refused.

    `status` (status.enqueued_fields) writes the job's first status in the same script call;
    `group` and `lock` (priority 0 only: `@job` calls) join the payload to that group and take
    a unique job's lock (lists.push: the holder's id is returned when the lock was taken).
    """
    if priority == 0:
        return queues.push(queue, encoded, status=status, group=group, lock=lock)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidJob(f"priority must be a whole number, not {priority!r}.")
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise InvalidJob(f"priority must be between {MIN_PRIORITY} and {MAX_PRIORITY}.")
    (payload,) = queues.encode_checked([encoded])
    keys = get_keys()
    key_list = [
        keys.queues(),
        keys.queue(queue),
        keys.wake(queue),
        keys.priority(queue),
        keys.priority_sequence(),
    ]
    args: list[Any] = [queue, queues.WAKE_TOKEN_CAP, priority, payload]
    if status is not None:
        key_list.append(status[0])
        args.extend(status[1])
    replicas.run_enqueue("enqueue_priority", key_list, args, f"a job on queue={queue!r}")
    return None


def take(queue: str) -> bytes | None:
    """Take the next payload off a queue outside a worker (tests, tools), honouring priority."""
    keys = get_keys()
    raw = scripts.run("take", [keys.queue(queue), keys.priority(queue)], [PRIORITY_SLOT])
    return raw or None


def waiting(queue: str, limit: int = 10_000) -> list[bytes]:
    """Return up to `limit` payloads of a queue in the order workers will take them.

    Those above 0 first, then the plain payloads, then those below 0 (tests, tools; not for huge
    queues).
    """
    keys, client = get_keys(), get_redis()
    ranked: list[tuple[bytes, float]] = client.zrange(  # type: ignore[assignment]
        keys.priority(queue), 0, limit - 1, withscores=True
    )
    plain = [p for p in queues.peek(queue, 0, limit) if p != PRIORITY_SLOT.encode()]
    ahead = [p for p, score in ranked if score < _NEGATIVE_FROM]
    behind = [p for p, score in ranked if score >= _NEGATIVE_FROM]
    return (ahead + plain + behind)[:limit]
