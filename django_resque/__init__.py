"""Resque, GitHub's Redis-backed background jobs, as a Django app."""

from django_resque.exceptions import (
    EnqueueError,
    InvalidJob,
    MalformedPayload,
    ResqueError,
    UnknownJob,
)
from django_resque.jobs import Job, enqueue, job

__version__ = "0.1.0"

__all__ = [
    "EnqueueError",
    "InvalidJob",
    "Job",
    "MalformedPayload",
    "ResqueError",
    "UnknownJob",
    "__version__",
    "enqueue",
    "job",
]
