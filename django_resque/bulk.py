"""Bulk enqueue: many calls of one job validated up front, then pushed in a few round trips.

For imports that fan out thousands of jobs. Every call is checked and encoded before anything is
sent, so bad input raises and stores nothing; payloads then go to Redis through the same
`lua/enqueue.lua` as `.delay()`, `chunk_size` payloads per script call and several calls per
pipelined round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django_resque.payload import Payload, new_job_id, to_json_args

if TYPE_CHECKING:
    from django_resque.jobs import Job, JobHandle

DEFAULT_CHUNK_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Call:
    """One call's arguments, for enqueue_many items that need keyword arguments."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def enqueue_many(
    definition: Job[Any, Any],
    calls: Iterable[Sequence[Any] | Call],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> list[JobHandle]:
    """Enqueue one payload per call on the job's queue; return their handles in call order."""
    from django_resque import queues
    from django_resque.jobs import JobHandle

    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}.")
    queue = definition.queue_name
    payloads = [_payload(definition.name, index, call) for index, call in enumerate(calls)]
    queues.push_many(queue, [p.encode() for p in payloads], chunk_size=chunk_size)
    return [JobHandle(id=p.id or "", job_name=definition.name, queue=queue) for p in payloads]


def _payload(name: str, index: int, call: Sequence[Any] | Call) -> Payload:
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
        json_args, json_kwargs = to_json_args(args, kwargs)
    except TypeError as exc:
        raise TypeError(f"enqueue_many item {index}: {exc}") from exc
    return Payload(name, json_args, json_kwargs, id=new_job_id())
