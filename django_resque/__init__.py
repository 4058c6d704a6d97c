"""Resque, GitHub's Redis-backed background jobs, as a Django app."""

from django_resque.exceptions import (
    DontPerform,
    EnqueueError,
    InvalidJob,
    MalformedPayload,
    ResqueError,
    UnknownJob,
)
from django_resque.jobs import Job, JobHandle, enqueue, job
from django_resque.perform import current_attempt

__version__ = "0.1.0"

__all__ = [
    "DontPerform",
    "EnqueueError",
    "InvalidJob",
    "Job",
    "JobHandle",
    "MalformedPayload",
    "ResqueError",
    "UnknownJob",
    "__version__",
    "current_attempt",
    "enqueue",
    "job",
]
