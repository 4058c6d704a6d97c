"""Enqueue-time job hooks (Resque's before_enqueue / after_enqueue) and the job_enqueued signal.

Perform-time hooks run in perform.py, inside the one boundary that turns exceptions into failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django_resque import signals

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job


def before_enqueue(
    definition: Job[Any, Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> bool:
    """Run before_enqueue hooks in order; return False (cancel) as soon as one returns False."""
    return all(hook(*args, **kwargs) is not False for hook in definition.before_enqueue)


def after_enqueue(
    definition: Job[Any, Any],
    job_id: str,
    queue: str,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
) -> None:
    """Run after_enqueue hooks, then send job_enqueued; Redis already has the payload."""
    for hook in definition.after_enqueue:
        hook(*args, **kwargs)
    signals.enqueued(definition, job_id, queue, args, kwargs)
