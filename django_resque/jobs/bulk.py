"""Bulk enqueue: many calls of one job validated up front, then pushed in a few round trips.

For imports that fan out thousands of jobs. Every call is checked and encoded before anything is
sent, so bad input raises and stores nothing; payloads then go to Redis through the same
`lua/enqueue.lua` as `.delay()`, `chunk_size` payloads per script call and several calls per
pipelined round trip. Like `.delay()`, model instances travel as references, the push waits for
the transaction to commit, and INLINE mode performs each call at once. Unlike it, no enqueue
hooks run and no status records are written: that is what keeps a bulk enqueue to a few round
trips (docs/bulk.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from django_resque.exceptions import InvalidJob
from django_resque.jobs import dispatch, inline, membership
from django_resque.jobs.handles import JobHandle
from django_resque.jobs.payload import Payload
from django_resque.queues import lists as queues

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job

DEFAULT_CHUNK_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Call:
    """One call of a job: an enqueue_many item (with keyword arguments), or a group's callback."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    job: Job[Any, Any] | None = field(default=None, compare=False, repr=False)

    def as_callback(self) -> tuple[str, str]:
        """(queue, payload JSON) of this call, for a group to enqueue once it has ended.

        The payload is built now, so bad arguments fail at Group.create(); it joins no group.
        It has no `queue_time`: it becomes runnable when the group ends, a time not known yet.
        """
        if self.job is None:
            raise InvalidJob("A group callback needs a job's call: some_job.call(...).")
        payload = self.job.using(group=None).payload(self.args, self.kwargs)
        extras = {k: v for k, v in payload.extras.items() if k != "queue_time"}
        return self.job.queue_name, dataclasses.replace(payload, extras=extras).encode()


def enqueue_many(
    definition: Job[Any, Any],
    calls: Iterable[Sequence[Any] | Call],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> list[JobHandle]:
    """Enqueue one payload per call on the job's queue; return their handles in call order."""
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
    limits = definition.limits
    if limits is not None and limits.unique in {"until_executing", "until_executed"}:
        raise InvalidJob(
            f"{definition.name} is a unique job (unique={limits.unique!r}): each call must take "
            "its lock as it is enqueued, so call .delay() for each instead of enqueue_many."
        )
    queue = definition.queue_name
    payloads = [_payload(definition, index, call) for index, call in enumerate(calls)]
    group = membership.group_id_for(definition.group)
    dispatch.run(
        partial(_push, queue, [p.encode() for p in payloads], chunk_size, group),
        on_commit=definition.on_commit,
        database=definition.database,
        what=f"job={definition.name} count={len(payloads)} queue={queue}",
    )
    return [JobHandle(id=p.id or "", job_name=definition.name, queue=queue) for p in payloads]


def _push(queue: str, encoded: list[str], chunk_size: int, group: str | None) -> None:
    if inline.enabled():
        for payload in encoded:
            inline.perform(payload)
    else:
        queues.push_many(queue, encoded, chunk_size=chunk_size, group=group)


def _payload(definition: Job[Any, Any], index: int, call: Sequence[Any] | Call) -> Payload:
    args: Sequence[Any]
    if isinstance(call, Call):
        args, kwargs = call.args, call.kwargs
    elif isinstance(call, tuple | list):
        args, kwargs = call, {}
    else:
        raise TypeError(
            f"enqueue_many item {index} is {call!r}: pass a tuple of positional arguments, "
            f"such as ({call!r},), or job.call(*args, **kwargs) for keyword arguments."
        )
    try:
        return definition.payload(tuple(args), dict(kwargs))
    except TypeError as exc:
        raise TypeError(f"enqueue_many item {index}: {exc}") from exc
