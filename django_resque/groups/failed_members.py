"""A group's failed members: their failure records, page by page, and retrying them all.

A member that failed for good has its id in the group's `:failed` set and, unless someone
removed it, a failure record whose payload names the group. The failure index keeps those
records under the group (the `group` facet), so both reads and the retry are bounded batches.
Retrying a member puts its payload back on its queue and makes it pending in its group again
(failure_bulk.lua, with _groups.lua's group_reopen).
"""

from __future__ import annotations

from dataclasses import dataclass

from django_resque.failures import registry as failures
from django_resque.failures.records import Failure
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys


@dataclass(frozen=True)
class FailedMember:
    """A failure record of a group's payload; `counted`: its member is among the failed."""

    member_id: str
    failure: Failure
    counted: bool


def count(group_id: str) -> int:
    """How many of the group's members have failed for good (its `:failed` set)."""
    return int(get_redis().scard(get_keys().group_failed(group_id)))


def records(group_id: str) -> int:
    """How many failure records name the group (one facet index: O(1))."""
    return failures.count(failures.FailureFilter(group=group_id))


def page(group_id: str, offset: int, limit: int) -> list[FailedMember]:
    """The failure records that name the group, newest first."""
    found = failures.page(failures.FailureFilter(group=group_id), offset=offset, limit=limit)
    ids = [_member_id(f) for f in found]
    counted = get_redis().smismember(get_keys().group_failed(group_id), ids) if ids else []
    return [
        FailedMember(member_id, failure, bool(hit))
        for member_id, failure, hit in zip(ids, found, counted, strict=True)
    ]


def retry(group_id: str) -> int:
    """Retry the records of the group's failed members, in bounded batches; return how many.

    Only records whose member is in `:failed` are taken, and a member with two records is
    retried once; each retried member is pending in its group again.
    """
    return failures.retry_all(failures.FailureFilter(group=group_id))


def _member_id(failure: Failure) -> str:
    member = failure.payload.get("id") if isinstance(failure.payload, dict) else None
    return member if isinstance(member, str) else ""
