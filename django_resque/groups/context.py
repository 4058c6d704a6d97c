"""Which group the code running now belongs to: a `with Group.create()` block, or a member job.

`.delay()`, `enqueue_many` and `enqueue_in`/`enqueue_at` join this group unless told otherwise
(`.using(group=None)`), and `Group.create()` here makes a child group of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_current: ContextVar[str | None] = ContextVar("django_resque_group", default=None)
_in_job: ContextVar[bool] = ContextVar("django_resque_in_job", default=False)


def current_group_id() -> str | None:
    """The id of the group that code running now belongs to, or None."""
    return _current.get()


def in_job() -> bool:
    """True while a job runs (a worker's perform, or INLINE mode)."""
    return _in_job.get()


@contextmanager
def performing(group_id: str | None) -> Iterator[None]:
    """Run a job: as a member of `group_id` (None: of no group)."""
    group, job = _current.set(group_id), _in_job.set(True)
    try:
        yield
    finally:
        _in_job.reset(job)
        _current.reset(group)


def enter(group_id: str) -> Token[str | None]:
    """A `with` block of the group begins: code in it belongs to the group."""
    return _current.set(group_id)


def leave(token: Token[str | None]) -> None:
    _current.reset(token)
