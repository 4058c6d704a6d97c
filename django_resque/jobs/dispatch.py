"""When and how an encoded payload leaves the process: now, on commit, or inline.

Inside `transaction.atomic()` (on the job's database alias) a payload is sent when that
transaction commits and dropped if it rolls back, so a worker never looks for a row that is not
committed yet, nor works on one that never existed. Outside a transaction it is sent at once.
`RESQUE["ENQUEUE_ON_COMMIT"] = False` or `job.using(on_commit=False)` sends at once always.
With `RESQUE["INLINE"]` the job is performed right there instead of being queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import redis
from django.db import DEFAULT_DB_ALIAS, transaction

from django_resque.conf import get_config
from django_resque.exceptions import EnqueueError
from django_resque.jobs import inline
from django_resque.jobs.payload import Payload
from django_resque.queues import delayed
from django_resque.queues import priority as priorities

if TYPE_CHECKING:
    from django_resque.limits.spec import UniqueLock
    from django_resque.results.status import StatusFields

T = TypeVar("T")

logger = logging.getLogger(__name__)


def run(
    action: Callable[[], T],
    *,
    on_commit: bool | None,
    database: str | None,
    what: str | Callable[[], str],
) -> T | None:
    """Run an enqueue action now and return what it returns, or run it when the transaction on
    `database` commits and return None.

    `what` names the job(s) in the error logged if a send at commit fails; a callable is only
    called then, so .delay() formats nothing on its usual path.
    """
    using = database or DEFAULT_DB_ALIAS
    if defers_to_commit(on_commit=on_commit, using=using):
        transaction.on_commit(partial(_at_commit, action, what), using=using)
        return None
    return action()


def defers_to_commit(*, on_commit: bool | None, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Return True if a payload sent now would wait for the transaction on `using`."""
    wanted = get_config()["ENQUEUE_ON_COMMIT"] if on_commit is None else on_commit
    return bool(wanted) and transaction.get_connection(using).in_atomic_block


def _at_commit(action: Callable[[], object], what: str | Callable[[], str]) -> None:
    try:
        holder = action()
    except (EnqueueError, redis.RedisError):
        # The transaction is already committed: say loudly which job was not queued.
        logger.error("event=enqueue-on-commit-failed %s", what() if callable(what) else what)
        raise
    if isinstance(holder, str):  # a unique job whose lock another copy took before the commit
        named = what() if callable(what) else what
        logger.info("event=duplicate-refused %s holder=%s", named, holder)


def push(
    queue: str,
    encoded: str,
    priority: int = 0,
    *,
    status: StatusFields | None = None,
    group: str | None = None,
    lock: UniqueLock | None = None,
) -> str | None:
    """Put a payload on its queue (at a priority), or perform it here when INLINE.

    `status` (status.enqueued_fields) is written with the payload, in the same round trip;
    INLINE mode writes no status (the job has already run when .delay() returns). `group`: the
    payload's group, which it joins in the same round trip. `lock`: a unique job's lock, taken
    in that round trip too; returns the id of the job holding it when it was taken already
    (nothing is pushed), else None. INLINE mode takes no lock: nothing waits to be a duplicate.
    """
    if inline.enabled():
        inline.perform(encoded)
        return None
    return priorities.push(queue, encoded, priority, status=status, group=group, lock=lock)


def push_at(when: datetime, payload: Payload, queue: str) -> None:
    """Store a payload in the delayed set for `when`, or perform it here when INLINE."""
    if inline.enabled():
        inline.perform(payload.encode())
        return
    delayed.push(delayed.epoch(when), delayed.encode_item(payload, queue))
