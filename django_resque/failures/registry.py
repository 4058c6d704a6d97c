"""The failure registry: Resque's `failed` list, with a stable id per record and indexes.

Records stay in `<ns>:failed` in Ruby's format, so resque-web and node-resque still read them.
Beside it, `dj:failed:data` (id -> record) and zsets of ids ordered by arrival (`dj:failed:ix:all`
and one per queue, job name, exception and group) give newest-first pages, filters and counts in
bounded work, and let retry and remove address a record by id, never by a list position that
shifts under a concurrent change (resque/resque#1293). Bulk operations run in Lua batches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django_resque.failures.list_upkeep import batch_size, reindex, sweep_step, sync
from django_resque.failures.records import (
    RUBY_TIME_FORMAT,
    Failure,
    Record,
    build,
    parse,
    payload_object,
)
from django_resque.queues.lists import WAKE_TOKEN_CAP
from django_resque.results import timeline
from django_resque.storage import scripts
from django_resque.storage.codec import to_text
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import Keys, get_keys

__all__ = [
    "RUBY_TIME_FORMAT",
    "Failure",
    "FailureFilter",
    "build",
    "count",
    "get",
    "page",
    "payload_object",
    "reindex",
    "remove",
    "remove_all",
    "retry",
    "retry_all",
    "save",
    "sweep_step",
]

logger = logging.getLogger(__name__)

MAX_PAGE = 500  # records one page may return, whatever a caller asks for
PAGE_SCAN_BUDGET = 100_000  # ids one page of a multi-facet filter may examine
LREM_REACH = 10_000  # records from the newest end a single retry/remove looks through


@dataclass(frozen=True)
class FailureFilter:
    """Which records an operation applies to; fields left None match everything.

    `group` (a group's id) matches the records whose payload names that group; `retry_all`
    and `remove_all` then take only the group's failed members (ids in its `:failed` set).
    """

    queue: str | None = None
    job_name: str | None = None
    exception: str | None = None
    group: str | None = None

    def facets(self) -> list[tuple[str, str]]:
        pairs = [
            ("queue", self.queue),
            ("job", self.job_name),
            ("exception", self.exception),
            ("group", self.group),
        ]
        return [(facet, value) for facet, value in pairs if value is not None]


def save(record: Record) -> None:
    """Append a record to the failed list and index it, and count it (global and worker)."""
    keys = get_keys()
    scripts.run(
        "job_finish",
        [
            keys.job("-"),
            keys.failed(),
            keys.failed_data(),
            keys.failed_seq(),
            keys.stat("failed"),
            keys.stat("failed", record["worker"]),
            keys.retries(),
            keys.stat("retried"),
            keys.failed_index(),
            keys.minute_stat("failed", timeline.minute_of()),
        ],
        ["fail", keys.failed_index_prefix(), "", 0, "{}", record["id"], record.encode()],
    )


def count(filter: FailureFilter | None = None) -> int:
    """Return how many records match; O(1) for no filter or one facet."""
    keys = get_keys()
    sync()
    walk, others = _indexes(keys, filter)
    if not others:
        return int(get_redis().zcard(walk))
    total, start, step = 0, 0, 1_000
    while True:
        found, examined = scripts.run(
            "failure_query", [keys.failed_data(), walk, *others], ["count", start, step]
        )
        total += int(found)
        if int(examined) < step:
            return total
        start += step


def page(filter: FailureFilter | None = None, *, offset: int = 0, limit: int = 20) -> list[Failure]:
    """Return up to `limit` records after skipping `offset`, newest first, in bounded work."""
    offset, limit = max(0, int(offset)), min(max(0, int(limit)), MAX_PAGE)
    if limit == 0:
        return []
    keys = get_keys()
    sync()
    walk, others = _indexes(keys, filter)
    flat = scripts.run(
        "failure_query",
        [keys.failed_data(), walk, *others],
        ["page", offset, limit, PAGE_SCAN_BUDGET],
    )
    return [parse(to_text(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)]


def get(failure_id: str) -> Failure | None:
    """Return the record with this id, or None if there is none (retried, removed, unknown)."""
    sync()
    raw = get_redis().hget(get_keys().failed_data(), failure_id)
    return None if raw is None else parse(failure_id, raw)


def retry(failure_id: str) -> bool:
    """Put the failed payload back on its queue and remove the record, atomically, once."""
    return _take(failure_id, "retry")


def remove(failure_id: str) -> bool:
    """Remove one record; return False if no record has that id."""
    return _take(failure_id, "remove")


def retry_all(filter: FailureFilter | None = None) -> int:
    """Retry every record that matches, in server-side batches; return how many."""
    return _bulk("retry", filter)


def remove_all(filter: FailureFilter | None = None) -> int:
    """Remove every record that matches, in server-side batches; return how many."""
    return _bulk("remove", filter)


def _take(failure_id: str, action: str) -> bool:
    keys = get_keys()
    sync()
    result = int(
        scripts.run(
            "failure_take",
            [
                keys.failed(),
                keys.failed_data(),
                keys.failed_gone(),
                keys.failed_sweep(),
                keys.failed_index(),
                keys.queues(),
            ],
            [
                failure_id,
                action,
                keys.failed_index_prefix(),
                WAKE_TOKEN_CAP,
                LREM_REACH,
                keys.queue_prefix(),
                keys.wake_prefix(),
                keys.group_prefix(),
            ],
        )
    )
    if result < 0:
        logger.warning("failure=%s event=retry-refused reason=no-payload-or-queue", failure_id)
    else:
        logger.info("failure=%s event=%s found=%s", failure_id, action, bool(result))
    return result > 0


def _bulk(action: str, filter: FailureFilter | None) -> int:
    keys, client = get_keys(), get_redis()
    sync()
    walk, others = _indexes(keys, filter)
    highest = int(client.get(keys.failed_seq()) or 0)
    done, cursor = 0, "-inf"
    while True:
        handled, cursor, examined = scripts.run(
            "failure_bulk",
            [
                keys.failed_data(),
                keys.failed_gone(),
                keys.failed_sweep(),
                keys.failed_index(),
                keys.queues(),
                walk,
                *others,
            ],
            [
                action,
                keys.failed_index_prefix(),
                batch_size(),
                to_text(cursor),
                highest,
                WAKE_TOKEN_CAP,
                keys.queue_prefix(),
                keys.wake_prefix(),
                keys.group_prefix(),
                keys.group_failed(filter.group) if filter and filter.group is not None else "",
            ],
        )
        done += int(handled)
        if int(examined) == 0:
            break
    while sweep_step() > 0:
        pass
    logger.info("event=%s-all filter=%s records=%s", action, filter, done)
    return done


def _indexes(keys: Keys, filter: FailureFilter | None) -> tuple[str, list[str]]:
    """Return the index to walk (the smallest the filter names) and the others to check."""
    facets = filter.facets() if filter else []
    if not facets:
        return keys.failed_index(), []
    names = [keys.failed_index(facet, value) for facet, value in facets]
    if len(names) > 1:
        with get_redis().pipeline(transaction=False) as pipe:
            for name in names:
                pipe.zcard(name)
            sizes = pipe.execute()
        names = [name for _, name in sorted(zip(sizes, names, strict=True))]
    return names[0], names[1:]
