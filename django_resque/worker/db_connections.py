"""Database connections around every job a worker performs, as Django does per request.

A worker process owns its connections (manage_connections_in_this_process, at start-up); the
fork and prefork children and the no-fork worker wrap each perform() in database_connections().
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

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
