"""A group's state in Redis: creating, closing, members recorded from outside the worker, reads.

The scripts that decide a group's end (storage/lua/_groups.lua) take the group settings as
seven ARGV values, `script_args()`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from django_resque.conf import get_config
from django_resque.queues.lists import WAKE_TOKEN_CAP
from django_resque.storage import scripts
from django_resque.storage.clock import utc_now_micro
from django_resque.storage.codec import json_or, to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

Callback = tuple[str, str]  # (queue, payload JSON)


def script_args(now: str | None = None, *, hold: bool = False) -> list[Any]:
    """The group settings every script including _groups.lua takes, in its order.

    `hold`: callbacks of a group that ends are returned instead of pushed (INLINE mode).
    """
    keys = get_keys()
    return [
        keys.group_prefix(),
        keys.queues(),
        keys.queue_prefix(),
        keys.wake_prefix(),
        WAKE_TOKEN_CAP,
        int(get_config()["GROUP_TTL"]),
        now or utc_now_micro(),
        "1" if hold else "0",
    ]


def create(group_id: str, name: str, callbacks: dict[str, list[str]], parent: str | None) -> int:
    """Store a new open group; 1, 0 if the id is taken, -1 if the parent is gone or ended."""
    keys = get_keys()
    script_keys = [keys.group(group_id), keys.groups()]
    if parent:
        script_keys += [
            keys.group_children(parent),
            keys.group_open_children(parent),
            keys.group(parent),
        ]
    args = [group_id, name, utc_now_micro(), time.time(), json.dumps(callbacks), parent or ""]
    return int(scripts.run("group_create", script_keys, args))


def close(group_id: str, *, hold: bool = False) -> tuple[int, list[Callback]]:
    """End the group's open phase: (1 if it has ended, 0 while pending, -1 if it is gone), and
    the callbacks held back (`hold`)."""
    args = [*script_args(hold=hold), group_id]
    ended, held = scripts.run("group_close", [get_keys().group(group_id)], args)
    return int(ended), _callbacks(held)


def member(mode: str, group_id: str, member_id: str, *, hold: bool = False) -> list[Callback]:
    """Record a member's join ("join") or final outcome ("ok", "failed") on its own; return
    the callbacks held back (`hold`) if that ended the group."""
    args = [*script_args(hold=hold), mode, group_id, member_id]
    return _callbacks(scripts.run("group_member", [get_keys().group(group_id)], args))


def _callbacks(held: bytes | str) -> list[Callback]:
    found = json_or(held, [])
    if not isinstance(found, list):  # Lua's cjson writes an empty table as {}
        return []
    return [(q, p) for q, p in found if isinstance(q, str) and isinstance(p, str)]


@dataclass(frozen=True)
class GroupState:
    """What Redis holds of one group."""

    id: str
    name: str
    created_at: str
    open: bool
    total: int
    pending: int
    succeeded: int
    failed: int
    parent: str | None
    children: list[str]
    open_children: int
    callbacks: dict[str, Any]
    fired: list[str]
    finished_at: str | None

    @property
    def finished(self) -> bool:
        return not self.open and self.pending == 0 and self.open_children == 0


def read(group_id: str) -> GroupState | None:
    """The group's state, or None if there is no such group (never created, or expired)."""
    keys = get_keys()
    with get_redis().pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.group(group_id))
        pipe.scard(keys.group_pending(group_id))
        pipe.smembers(keys.group_children(group_id))
        pipe.scard(keys.group_open_children(group_id))
        fields, pending, children, open_children = pipe.execute()
    if not fields:
        return None
    text = {to_text(k): to_text(v) for k, v in fields.items()}
    callbacks = json_or(text.get("callbacks", "{}"), {})
    fired = json_or(text.get("fired", "[]"), [])
    return GroupState(
        id=group_id,
        name=text.get("name", ""),
        created_at=text.get("created_at", ""),
        open=text.get("open") != "0",
        total=_int(text.get("total")),
        pending=int(pending),
        succeeded=_int(text.get("succeeded")),
        failed=_int(text.get("failed")),
        parent=text.get("parent") or None,
        children=sorted(to_text(c) for c in children),
        open_children=int(open_children),
        callbacks=callbacks if isinstance(callbacks, dict) else {},
        fired=[f for f in fired if isinstance(f, str)] if isinstance(fired, list) else [],
        finished_at=text.get("finished_at"),
    )


def recent(start: int = 0, count: int = 50) -> tuple[list[GroupState], int]:
    """The newest groups first, and how many the index holds; expired ones leave the index."""
    keys = get_keys()
    client = get_redis()
    ids = [to_text(i) for i in client.zrevrange(keys.groups(), start, start + count - 1)]  # type: ignore[arg-type]
    found: list[GroupState] = []
    gone: list[str] = []
    for group_id in ids:
        state = read(group_id)
        if state is None:
            gone.append(group_id)
        else:
            found.append(state)
    if gone:
        client.zrem(keys.groups(), *gone)
    return found, int(client.zcard(keys.groups()))


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
