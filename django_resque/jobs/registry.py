"""The registry of @job definitions, and the names Resque keys and payloads can carry.

Workers resolve a payload's `class` only through this registry: nothing a payload names is ever
imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard

from django_resque.exceptions import InvalidJob

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job

_QUEUE_NAME = re.compile(r"^[\w.\-]{1,128}$")
_JOB_NAME = re.compile(r"^[A-Za-z_][\w.]*(::[A-Za-z_]\w*)*$")

_registry: dict[str, Job[Any, Any]] = {}
_collisions: list[tuple[str, str, str]] = []  # (job name, first function, second function)


def register(definition: Job[Any, Any]) -> None:
    """Add a job to the registry that workers resolve payload names through."""
    existing = _registry.get(definition.name)
    if existing is not None and _origin(existing.func) != _origin(definition.func):
        _collisions.append((definition.name, _origin(existing.func), _origin(definition.func)))
    _registry[definition.name] = definition


def get_job(name: str) -> Job[Any, Any] | None:
    """Return the job registered under a payload's `class`, or None; never imports anything."""
    return _registry.get(name)


def registered_jobs() -> dict[str, Job[Any, Any]]:
    """Return a copy of the registry, name -> job."""
    return dict(_registry)


def name_collisions() -> list[tuple[str, str, str]]:
    """Return (name, first, second) for every job name that two functions claimed."""
    return list(_collisions)


def _origin(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{getattr(func, '__qualname__', repr(func))}"


def is_job_name(name: object) -> TypeGuard[str]:
    """Return True for a dotted Python path or a Resque class name such as 'Billing::Charge'."""
    return isinstance(name, str) and _JOB_NAME.match(name) is not None


def validate_job_name(name: object) -> str:
    """Return the job name, or raise InvalidJob if no Resque payload could carry it."""
    if not is_job_name(name):
        raise InvalidJob(f"Job name {name!r} is not valid.")
    return name


def validate_queue_name(queue: str) -> str:
    """Return the queue name, or raise InvalidJob if Resque keys and worker ids cannot hold it."""
    if not isinstance(queue, str) or not _QUEUE_NAME.match(queue):
        raise InvalidJob(
            f"Queue name {queue!r} is not valid: use 1 to 128 letters, digits, '_', '-' or '.' "
            "(no ':', ',', '*' or spaces, which Resque keys and worker ids reserve)."
        )
    return queue
