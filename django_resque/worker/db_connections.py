"""Database connections around every job a worker performs, as Django does per request.

A worker process owns its connections (manage_connections_in_this_process, at start-up); the
fork and prefork children and the no-fork worker wrap each perform() in database_connections().
Job threads (`--threads`) close theirs after each job; `thread_connection_warnings` is the
check W025 that `resque_work` runs at start-up, since Django's system checks cannot see its
options: each job thread opens its own connections, so a host may hold count x threads of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

_manage_connections = False  # True only in worker processes (see manage_connections_in_...)
_STILL_CHECKED_SECONDS = 1.0
_checked_at = -_STILL_CHECKED_SECONDS  # when connections were last checked after a job


@contextmanager
def database_connections() -> Iterator[None]:
    """Drop broken or expired DB connections before and after a job, as Django does per request.

    Only in worker processes; and a connection inside an atomic block is left alone even there.
    The check before a job is skipped when the last job's check after it ran less than a
    second ago: nothing used the connections since (it cost a tenth of a short job).
    """
    global _checked_at
    if time.monotonic() - _checked_at >= _STILL_CHECKED_SECONDS:
        _close_old_connections()
    try:
        yield
    finally:
        _close_old_connections()
        _checked_at = time.monotonic()


def manage_connections_in_this_process() -> None:
    """Called by a worker at start-up: from now on this process owns its DB connections.

    Anywhere else (a web process, a test calling perform() or testing.perform_enqueued, INLINE
    mode) the connections belong to the caller and are left alone.
    """
    global _manage_connections
    _manage_connections = True


def _close_old_connections() -> None:
    """Close what is broken or expired; a close that fails is logged, never the job's failure.

    This runs outside the job's own boundary (jobs/perform.py), so an error from the database
    driver here must not end the worker: the connection is dropped with the next check anyway.
    """
    if not _manage_connections:
        return
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        try:
            conn.close_if_unusable_or_obsolete()
        except Exception:
            logger.exception("event=db-close-failed alias=%s", conn.alias)


def close_connections_of_this_thread() -> None:
    """Close every DB connection this thread opened: a job thread's end of job (--threads).

    Django's connections belong to the thread that opened them, and a pool thread waits idle
    between jobs for as long as it lives, so nothing of one job's connections outlives it.
    """
    if not _manage_connections:
        return
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:
            logger.exception("event=db-close-failed alias=%s", conn.alias)


_LIMIT_QUERIES = {
    "postgresql": "SHOW max_connections",
    "mysql": "SELECT @@max_connections",
}


def thread_connection_warnings(threads: int, workers: int) -> list[CheckMessage]:
    """Warn for each database whose connection limit is below `workers` x `threads`."""
    needed = threads * workers
    found: list[CheckMessage] = []
    for alias in connections:
        limit = connection_limit(alias)
        if limit is not None and limit < needed:
            found.append(
                Warning(
                    f"Database {alias!r} allows {limit} connections, and this worker's "
                    f"{workers} process(es) x {threads} threads may open {needed} at once.",
                    hint="Use fewer --threads or --count, raise the database's max_connections, "
                    "or put a connection pooler (PgBouncer) in front of it.",
                    id="django_resque.W025",
                )
            )
    return found


def connection_limit(alias: str) -> int | None:
    """The database's own max_connections, or None where there is none (SQLite) or no answer."""
    connection = connections[alias]
    query = _LIMIT_QUERIES.get(connection.vendor)
    if query is None:
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            row = cursor.fetchone()
        return int(row[0]) if row else None
    except (DatabaseError, TypeError, ValueError) as exc:
        logger.warning("event=db-limit-unknown alias=%s error=%s", alias, exc)
        return None
    finally:
        connection.close()
