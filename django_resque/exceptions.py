"""The errors django_resque raises; all derive from ResqueError."""

from __future__ import annotations

import redis
from redis.sentinel import MasterNotFoundError

# redis-py's words for a failed connect and a demoted primary's refusal, and storage/cluster.py's
# for a MOVED reply: the command did not run.
_NOT_SENT = ("connecting to", "previous master is now a slave", "slot has moved")


class ResqueError(Exception):
    """Base of every django_resque error; not raised directly."""


class InvalidJob(ResqueError, ValueError):
    """Raised when a job definition or its options are invalid."""


class EnqueueError(ResqueError):
    """Raised when a payload was not stored in Redis, or Redis did not confirm that it was.

    `outcome_unknown` is False when nothing was stored (Redis unreachable, out of memory, the
    payload too big) and True when the command may have run before its reply was lost (a reply
    that timed out, a connection cut after sending): the job may be queued then, and run.
    """

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown

    @classmethod
    def from_redis(cls, exc: redis.RedisError, what: str) -> EnqueueError:
        """Describe a Redis error met while storing `what`, saying whether it may be stored."""
        if cls.may_have_run(exc):
            return EnqueueOutcomeUnknown(
                f"Redis did not confirm the enqueue of {what}: {exc}. It may be stored and run "
                "anyway: enqueue it again only with the same .using(job_id=...), which stores "
                "it at most once."
            )
        return cls(f"Could not enqueue {what}: {exc}. Nothing was stored.")

    @staticmethod
    def may_have_run(exc: redis.RedisError) -> bool:
        """True unless the error shows the command never reached Redis or Redis refused it."""
        if isinstance(exc, redis.ResponseError | redis.DataError):
            return False  # Redis answered with an error (OOM, ...), or the client sent nothing
        if isinstance(exc, MasterNotFoundError):
            return False  # no sentinel named a primary: nothing was sent
        if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
            # redis-py's words for a failed connect, and for a write a demoted primary refused
            return not any(words in str(exc) for words in _NOT_SENT)
        return True


class EnqueueOutcomeUnknown(EnqueueError):
    """Raised when Redis may hold the payload but did not confirm it; `outcome_unknown` is True.

    The reply was lost (a timeout, a connection cut after the command went out), or fewer
    replicas than RESQUE["ENQUEUE_REPLICAS"] acknowledged it in time (the primary has it; a
    failover may lose it). Retrying with the same explicit `.using(job_id=...)` is safe: an id
    Redis has seen is not stored again.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, outcome_unknown=True)


class MalformedPayload(ResqueError):
    """Raised when a payload read from Redis is not a Resque job object."""


class UnknownJob(ResqueError):
    """Raised when a payload names a job that no @job registered in this process."""


class WorkerIdInUse(ResqueError):
    """Raised when a worker is stopped while another live process still heartbeats its id."""


class ModelInstanceMissing(ResqueError, LookupError):
    """Raised in the worker when a model instance passed to a job no longer exists."""


class DontPerform(ResqueError):
    """Raised by a before_perform hook to skip the job silently (no failure is recorded)."""


class DirtyExit(ResqueError):
    """Passed to on_failure hooks when a job's child process died without reporting."""


class GroupNotFound(ResqueError, LookupError):
    """No group has this id: it was never created, or it ended and its keys expired."""
