"""The errors django_resque raises; all derive from ResqueError."""


class ResqueError(Exception):
    """Base of every django_resque error; not raised directly."""


class InvalidJob(ResqueError, ValueError):
    """Raised when a job definition or its options are invalid."""


class EnqueueError(ResqueError):
    """Raised when a payload could not be stored in Redis (Redis down, out of memory, too big)."""


class MalformedPayload(ResqueError):
    """Raised when a payload read from Redis is not a Resque job object."""


class UnknownJob(ResqueError):
    """Raised when a payload names a job that no @job registered in this process."""


class DontPerform(ResqueError):
    """Raised by a before_perform hook to skip the job silently (no failure is recorded)."""


class DirtyExit(ResqueError):
    """Passed to on_failure hooks when a job's child process died without reporting."""
