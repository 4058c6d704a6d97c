"""What the admin's Groups pages and the group status view read: pages of groups, one tree.

Every read is bounded: a page of the groups index, and a tree of at most TREE_LIMIT groups,
whatever a group's children number. Whatever Redis holds renders: a group key that is not a
hash counts as unreadable (shown, never raised), and a children set that loops back on itself
is walked once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import redis

from django_resque.groups import records
from django_resque.groups.progress import Progress, combined, of
from django_resque.groups.records import GroupState
from django_resque.storage.codec import json_or, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

TREE_LIMIT = 50  # groups one tree reads, the group itself included
CHILDREN_SENT = 20  # child groups the status view describes one by one


def read(group_id: str) -> GroupState | None:
    """The group's state; None if there is none, or its key holds no hash (unreadable)."""
    try:
        return records.read(group_id)
    except redis.ResponseError as exc:
        if _wrong_type(exc):
            return None
        raise


def _wrong_type(exc: redis.ResponseError) -> bool:
    return "WRONGTYPE" in str(exc)  # from a pipeline, the message names the command first


@dataclass(frozen=True)
class Row:
    """One line of the groups list: the id, and its state unless its key is not a hash."""

    id: str
    state: GroupState | None

    @property
    def progress(self) -> Progress | None:
        return None if self.state is None else of(self.state)

    @property
    def callbacks(self) -> list[Callback]:
        return [] if self.state is None else callbacks(self.state)


def count() -> int:
    """How many groups the index lists (expired ones leave it as pages meet them)."""
    return int(get_redis().zcard(get_keys().groups()))


def page(offset: int, limit: int) -> list[Row]:
    """The groups from `offset`, newest first; ids whose group has expired leave the index."""
    client, keys = get_redis(), get_keys()
    ids: list[bytes] = client.zrevrange(keys.groups(), offset, offset + limit - 1)  # type: ignore[assignment]
    rows: list[Row] = []
    gone: list[bytes] = []
    for raw in ids:
        group_id = to_text(raw)
        try:
            state = records.read(group_id)
        except redis.ResponseError as exc:
            if not _wrong_type(exc):
                raise
            rows.append(Row(group_id, None))  # not a hash: shown as unreadable
            continue
        if state is None:
            gone.append(raw)
        else:
            rows.append(Row(group_id, state))
    if gone:
        client.zrem(keys.groups(), *gone)
    return rows


@dataclass
class Node:
    """A group in a tree: its state (None if expired or unreadable) and the children read."""

    id: str
    state: GroupState | None
    children: list[Node] = field(default_factory=list)
    unread: int = 0  # child groups left out: the tree reached TREE_LIMIT

    def walk(self) -> Iterator[Node]:
        """This node and every node under it, parents first."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def progress(self) -> Progress | None:
        return None if self.state is None else of(self.state)

    @property
    def overall(self) -> Progress | None:
        """The progress of this group's members and its descendants' read here, together."""
        if self.state is None:
            return None
        states = [n.state for n in self.walk() if n.state is not None]
        return combined(states, finished=self.state.finished)


def tree(group_id: str, limit: int = TREE_LIMIT) -> Node | None:
    """The group and its descendants, breadth first, up to `limit` groups; None if no group.

    Each group's children are in the order they were created.
    """
    state = read(group_id)
    if state is None:
        return None
    root = Node(group_id, state)
    seen, frontier, budget = {group_id}, deque([root]), max(limit - 1, 0)
    while frontier:
        node = frontier.popleft()
        for child_id in node.state.children if node.state else []:
            if child_id in seen:
                continue
            if budget == 0:
                node.unread += 1
                continue
            seen.add(child_id)
            budget -= 1
            child = Node(child_id, read(child_id))
            node.children.append(child)
            frontier.append(child)
        node.children.sort(key=_oldest_first)
    return root


def _oldest_first(node: Node) -> tuple[str, str]:
    return (node.state.created_at if node.state else "", node.id)


@dataclass(frozen=True)
class Callback:
    """One of a group's callbacks: which, the job it enqueues, on which queue, and if it ran."""

    name: str
    job_name: str
    queue: str
    fired: bool


def callbacks(state: GroupState) -> list[Callback]:
    """The group's callbacks in the order they run; odd entries are shown, not raised."""
    found = []
    for name, value in sorted(state.callbacks.items(), key=_run_order):
        queue, payload = (value + ["", ""])[:2] if isinstance(value, list) else ("", "")
        decoded = json_or(payload, None) if isinstance(payload, str) else None
        job_name = decoded.get("class") if isinstance(decoded, dict) else None
        found.append(
            Callback(
                _shown(name),
                _shown(job_name) if isinstance(job_name, str) else "(unreadable callback)",
                _shown(queue) if isinstance(queue, str) else "",
                name in state.fired,
            )
        )
    return found


def _shown(value: str) -> str:
    """Text UTF-8 can carry: a lone surrogate (valid in JSON's escapes) spelled as its escape."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _run_order(item: tuple[str, Any]) -> tuple[int, str]:
    order = ("on_success", "on_failure", "on_complete")
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


def status(group_id: str) -> dict[str, Any] | None:
    """What the group status view sends: counts, state, child groups and progress.

    `progress` covers the group and the descendants read with it (at most TREE_LIMIT groups):
    their members that finished over all their members, 0..1. None if there is no such group.
    """
    root = tree(group_id)
    if root is None or root.state is None:
        return None
    state = root.state
    return {
        **_summary(root, state),
        "created_at": state.created_at,
        "finished_at": state.finished_at,
        "parent": state.parent,
        "children": [
            _summary(child, child.state)
            for child in root.children[:CHILDREN_SENT]
            if child.state is not None
        ],
        "children_total": len(state.children),
    }


def _summary(node: Node, state: GroupState) -> dict[str, Any]:
    own, overall = of(state), node.overall
    return {
        "id": state.id,
        "name": state.name,
        "open": state.open,
        "finished": state.finished,
        "total": own.total,
        "pending": own.pending,
        "succeeded": own.succeeded,
        "failed": own.failed,
        "progress": round(overall.fraction if overall else 0.0, 4),
    }
