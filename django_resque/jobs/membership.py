"""Which group a call joins: the caller's group by default, or the one `.using(group=...)` names.

The payload carries the group's id as an extra field, `"group"`, after `class` and `args`, so
Ruby, PHP and Node workers still perform it (they only do not report to the group).
"""

from __future__ import annotations

from typing import Any

from django_resque.exceptions import InvalidJob
from django_resque.groups import context
from django_resque.jobs.payload import Payload
from django_resque.storage.codec import json_or


class _CallersGroup:
    def __repr__(self) -> str:
        return "<the caller's group>"


CALLERS_GROUP: Any = _CallersGroup()  # the default of Job.group


def group_id_for(choice: Any) -> str | None:
    """The id of the group a call joins: CALLERS_GROUP, None (no group), a Group or an id."""
    if choice is CALLERS_GROUP:
        return context.current_group_id()
    if choice is None:
        return None
    group_id = getattr(choice, "id", choice)
    if not isinstance(group_id, str) or not group_id:
        raise InvalidJob(f".using(group=...) takes a Group, its id or None, not {choice!r}.")
    return group_id


def extras_for(choice: Any) -> dict[str, Any]:
    """The payload's extra fields for this choice: {"group": id}, or none."""
    group_id = group_id_for(choice)
    return {} if group_id is None else {"group": group_id}


def group_of(extras: dict[str, Any]) -> str | None:
    """The group a payload belongs to, from its extra fields."""
    group_id = extras.get("group")
    return group_id if isinstance(group_id, str) and group_id else None


def member_of(raw: bytes, payload: Payload | None) -> tuple[str | None, str]:
    """The group and member id of a payload; read from its JSON when it did not decode (a
    malformed member still counts, as failed)."""
    if payload is not None:
        return group_of(payload.extras), payload.id or ""
    obj = json_or(raw, None)
    if not isinstance(obj, dict):
        return None, ""
    group, member_id = obj.get("group"), obj.get("id")
    if isinstance(group, str) and group and isinstance(member_id, str) and member_id:
        return group, member_id
    return None, ""
