"""Resque, GitHub's Redis-backed background jobs, as a Django app.

The public names are loaded on first use, so a process that imports one sub-package (a worker
imports `django_resque.worker`) does not load the enqueue API with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_resque.exceptions import (
        DontPerform,
        EnqueueError,
        EnqueueOutcomeUnknown,
        InvalidJob,
        MalformedPayload,
        ResqueError,
        UnknownJob,
    )
    from django_resque.jobs.definition import Job, enqueue, job
    from django_resque.jobs.handles import JobHandle
    from django_resque.jobs.perform import current_attempt

__version__ = "0.1.0"

_PUBLIC = {
    "DontPerform": "django_resque.exceptions",
    "EnqueueError": "django_resque.exceptions",
    "EnqueueOutcomeUnknown": "django_resque.exceptions",
    "GroupNotFound": "django_resque.exceptions",
    "InvalidJob": "django_resque.exceptions",
    "MalformedPayload": "django_resque.exceptions",
    "ResqueError": "django_resque.exceptions",
    "UnknownJob": "django_resque.exceptions",
    "Job": "django_resque.jobs.definition",
    "JobHandle": "django_resque.jobs.handles",
    "enqueue": "django_resque.jobs.definition",
    "job": "django_resque.jobs.definition",
    "current_attempt": "django_resque.jobs.perform",
    "Group": "django_resque.groups.group",
    "current_group": "django_resque.groups.group",
}

__all__ = [
    "DontPerform",
    "EnqueueError",
    "EnqueueOutcomeUnknown",
    "Group",
    "GroupNotFound",
    "InvalidJob",
    "Job",
    "JobHandle",
    "MalformedPayload",
    "ResqueError",
    "UnknownJob",
    "__version__",
    "current_attempt",
    "current_group",
    "enqueue",
    "job",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'django_resque' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
