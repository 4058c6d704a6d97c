"""One call of a @job stored in the delayed set for later: the enqueue side of .enqueue_at().

Like .delay(), inside `transaction.atomic()` the item is stored on commit and dropped on
rollback (dispatch.run); a time already passed enqueues at once, as Ruby's enqueue_at does.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django_resque.jobs import dispatch, inline, membership
from django_resque.jobs.handles import JobHandle
from django_resque.limits.spec import lock_of
from django_resque.queues import delayed
from django_resque.results import status

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job


def schedule(
    job: Job[Any, Any], when: datetime, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> JobHandle:
    """Store one call of a @job for `when`; enqueue it at once if that time has passed (as Ruby)."""
    ts = delayed.epoch(when)
    if ts <= time.time() or inline.enabled():  # INLINE performs it now, as Resque.inline does
        return job.delay(*args, **kwargs)
    payload = job.payload(args, kwargs, queue_time=ts)  # a wait counts from when it is due
    queue = job.queue_name
    item = delayed.encode_item(payload, queue)
    job_id = payload.id or ""
    marked = status.enqueued_fields(job_id, job.name) if job.store_result else None
    # A unique job's lock lasts while it waits, then its ttl.
    lock = lock_of(payload.extras, job_id, wait=ts - time.time())
    # Inside transaction.atomic() the item is stored on commit, dropped on rollback
    holder = dispatch.run(
        partial(
            delayed.push,
            ts,
            item,
            queue=queue,
            status=marked,
            group=membership.group_of(payload.extras),
            lock=lock,
        ),
        on_commit=job.on_commit,
        database=job.database,
        what=f"delayed job={job.name} id={payload.id} at={ts}",
    )
    if holder is not None:  # another copy of a unique job holds the lock: nothing was stored
        return JobHandle(id=holder, job_name=job.name, queue=queue, enqueued=False)
    return JobHandle(id=job_id, job_name=job.name, queue=queue)
