"""`Group`: jobs that are waited for together and continued by callbacks (docs/groups.md).

A group is open while its `with` block runs. Every `.delay()`, `enqueue_many` and
`enqueue_in`/`enqueue_at` inside the block, and inside its members' jobs, joins it (cascading
members); `Group.create()` inside either makes a child group, which the group waits for too.
Once the block has ended and no member or child is pending, its callbacks are enqueued, once.
"""

from __future__ import annotations

import time
import uuid
import warnings
from typing import Any

from django.db import transaction

from django_resque.conf import get_config
from django_resque.exceptions import GroupNotFound, InvalidJob
from django_resque.groups import context, records
from django_resque.groups.records import GroupState
from django_resque.jobs import inline

CALLBACKS = ("on_success", "on_complete", "on_failure")


class Group:
    """A handle on one group by its id; `Group.create()` makes one, `Group.get()` finds one."""

    def __init__(self, group_id: str, name: str = "") -> None:
        self.id = group_id
        self.name = name
        self._token: Any = None

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.name!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Group) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def create(cls, name: str = "", **callbacks: Any) -> Group:
        """Store a new open group, a child of the group the caller belongs to, if any.

        `on_success`, `on_complete` and `on_failure` each take a job call, `job.call(...)`:
        enqueued once the group has ended (on_success: every member succeeded; on_failure: at
        least one failed for good; on_complete: either way).
        """
        if not isinstance(name, str):
            raise InvalidJob(f"Group.create(name=...) takes a string, not {name!r}.")
        payloads = {key: _callback(key, value) for key, value in callbacks.items()}
        group_id, parent = uuid.uuid4().hex, context.current_group_id()
        created = records.create(group_id, name, payloads, parent)
        if created == -1:
            raise GroupNotFound(
                f"Cannot make a child group of {parent}: that group has ended or expired."
            )
        return cls(group_id, name)

    @classmethod
    def get(cls, group_id: str) -> Group:
        """The group with this id; GroupNotFound if there is none."""
        state = records.read(group_id) if isinstance(group_id, str) else None
        if state is None:
            raise GroupNotFound(f"No group has the id {group_id!r} (never created, or expired).")
        return cls(group_id, state.name)

    # --- the open phase -------------------------------------------------------------------
    def __enter__(self) -> Group:
        self._token = context.enter(self.id)
        return self

    def __exit__(self, *exc_info: object) -> None:
        context.leave(self._token)
        if transaction.get_connection().in_atomic_block and _on_commit():
            transaction.on_commit(self.close)  # after the members' own pushes, on commit
        else:
            self.close()

    def close(self) -> bool:
        """End the open phase (the `with` block does it); True if the group has now ended.

        In INLINE mode the callbacks of a group that ends are performed here and now.
        """
        ended, held = records.close(self.id, hold=inline.enabled())
        if ended == -1:
            raise GroupNotFound(f"No group has the id {self.id!r} (never created, or expired).")
        inline.perform_callbacks(held)
        return ended == 1

    # --- reading --------------------------------------------------------------------------
    def status(self) -> GroupState:
        """Counts and state: .total .pending .succeeded .failed .finished .children ..."""
        state = records.read(self.id)
        if state is None:
            raise GroupNotFound(f"No group has the id {self.id!r} (never created, or expired).")
        return state

    def wait(self, timeout: float | None = None, interval: float = 0.2) -> bool:
        """Block until the group has ended (True) or `timeout` seconds passed (False).

        For scripts, commands and tests. A job that waits holds its worker's slot meanwhile:
        continue after a group with a callback instead.
        """
        if context.in_job():
            warnings.warn(
                "Group.wait() inside a job holds the worker while it waits; "
                "give the group an on_complete callback instead.",
                RuntimeWarning,
                stacklevel=2,
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            state = self.status()
            if state.finished:
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(interval)


def current_group() -> Group | None:
    """Inside a member job or a `with Group.create()` block: that group; else None."""
    group_id = context.current_group_id()
    return None if group_id is None else Group(group_id)


def _callback(key: str, value: Any) -> list[str]:
    if key not in CALLBACKS:
        raise InvalidJob(f"Group.create() got {key}=; callbacks are {', '.join(CALLBACKS)}.")
    make = getattr(value, "as_callback", None)
    if make is None:
        raise InvalidJob(
            f"Group.create({key}=...) takes a job call such as send_report.call(import_id), "
            f"not {value!r}."
        )
    return list(make())


def _on_commit() -> bool:
    return bool(get_config()["ENQUEUE_ON_COMMIT"])
