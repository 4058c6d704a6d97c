"""@job: a frozen job definition, its registry, and enqueueing."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar, overload

from django_resque import bulk
from django_resque.bulk import DEFAULT_CHUNK_SIZE, Call
from django_resque.conf import get_config
from django_resque.exceptions import InvalidJob
from django_resque.payload import Payload, new_job_id, to_json_args

P = ParamSpec("P")
R = TypeVar("R")

_QUEUE_NAME = re.compile(r"^[\w.\-]{1,128}$")
_JOB_NAME = re.compile(r"^[A-Za-z_][\w.]*(::[A-Za-z_]\w*)*$")

_registry: dict[str, Job[Any, Any]] = {}
_collisions: list[tuple[str, str, str]] = []  # (job name, first function, second function)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class JobHandle:
    """What .delay() returns: the id that identifies this enqueued call."""

    id: str
    job_name: str
    queue: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Job(Generic[P, R]):
    """A function registered to run on workers; immutable, so per-call changes use .using()."""

    func: Callable[P, R]
    name: str
    queue: str | None = None
    # Seconds the worker lets one run take before it kills the child (None: RESQUE["JOB_TIMEOUT"]).
    timeout: float | None = None
    # If a worker dies while running it, record a failure instead of running it again.
    at_most_once: bool = False

    def __post_init__(self) -> None:
        if not callable(self.func):
            raise InvalidJob(f"@job needs a function, not {self.func!r}.")
        if not _JOB_NAME.match(self.name):
            raise InvalidJob(
                f"Job name {self.name!r} is not valid: use a dotted Python path or a Resque class "
                "name such as 'Billing::Charge'."
            )
        if self.queue is not None:
            validate_queue_name(self.queue)
        if self.timeout is not None and (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, int | float)
            or not 0 < self.timeout < float("inf")
        ):
            raise InvalidJob(
                f"@job(timeout={self.timeout!r}) is not valid: give a positive number of seconds, "
                "or None for RESQUE['JOB_TIMEOUT']."
            )
        if not isinstance(self.at_most_once, bool):
            raise InvalidJob(f"@job(at_most_once={self.at_most_once!r}) must be True or False.")

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the function here and now, as if it were not a job."""
        return self.func(*args, **kwargs)

    @property
    def queue_name(self) -> str:
        """The queue this job goes to: its own, else RESQUE["DEFAULT_QUEUE"]."""
        return self.queue or get_config()["DEFAULT_QUEUE"]

    def using(self, *, queue: str | None = None) -> Job[P, R]:
        """Return a copy of this definition with other options for one call site."""
        if queue is None:
            return self
        return dataclasses.replace(self, queue=queue)

    def delay(self, *args: P.args, **kwargs: P.kwargs) -> JobHandle:
        """Put a payload for this call on the job's queue; return once Redis has it."""
        from django_resque import queues

        payload = self.payload(args, kwargs)
        queues.push(self.queue_name, payload.encode())
        return JobHandle(id=payload.id or "", job_name=self.name, queue=self.queue_name)

    enqueue = delay

    def call(self, *args: P.args, **kwargs: P.kwargs) -> Call:
        """Bundle one call's arguments for enqueue_many (needed for keyword arguments)."""
        return Call(args, kwargs)

    def enqueue_many(
        self, calls: Iterable[Sequence[Any] | Call], *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> list[JobHandle]:
        """Enqueue one payload per call in a few pipelined round trips (see bench/README.md).

        Each item is a tuple (or list) of positional arguments, or `job.call(...)`. Every item
        is checked before anything is sent, so bad input raises and stores nothing.
        """
        return bulk.enqueue_many(self, calls, chunk_size=chunk_size)

    def payload(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Payload:
        """Build the payload for one call, checking that its arguments are JSON."""
        json_args, json_kwargs = to_json_args(args, kwargs)
        return Payload(self.name, json_args, json_kwargs, id=new_job_id())


@overload
def job(func: Callable[P, R], /) -> Job[P, R]: ...
@overload
def job(
    *,
    name: str | None = None,
    queue: str | None = None,
    timeout: float | None = None,
    at_most_once: bool = False,
) -> Callable[[Callable[P, R]], Job[P, R]]: ...
def job(
    func: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    queue: str | None = None,
    timeout: float | None = None,
    at_most_once: bool = False,
) -> Job[P, R] | Callable[[Callable[P, R]], Job[P, R]]:
    """Register a function as a job; usable bare (`@job`) or with options (`@job(queue=...)`)."""

    def wrap(f: Callable[P, R]) -> Job[P, R]:
        if inspect.iscoroutinefunction(f):
            raise InvalidJob(f"{f.__qualname__} is async; @job runs plain functions.")
        if "<locals>" in getattr(f, "__qualname__", ""):
            raise InvalidJob(
                f"{f.__qualname__} is defined inside a function; workers can only find "
                "module-level functions, so move it to a module (for example jobs.py)."
            )
        definition = Job(
            func=f,
            name=name or f"{f.__module__}.{f.__qualname__}",
            queue=queue,
            timeout=timeout,
            at_most_once=at_most_once,
        )
        register(definition)
        return definition

    return wrap if func is None else wrap(func)


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


def validate_queue_name(queue: str) -> str:
    """Return the queue name, or raise InvalidJob if Resque keys and worker ids cannot hold it."""
    if not isinstance(queue, str) or not _QUEUE_NAME.match(queue):
        raise InvalidJob(
            f"Queue name {queue!r} is not valid: use 1 to 128 letters, digits, '_', '-' or '.' "
            "(no ':', ',', '*' or spaces, which Resque keys and worker ids reserve)."
        )
    return queue


def enqueue(job_name: str, /, *args: Any, queue: str | None = None) -> None:
    """Enqueue a job by name exactly as Ruby's Resque.enqueue would, for workers in any language.

    The payload is `{"class":...,"args":[...]}` and nothing more, byte for byte what Ruby writes,
    so Ruby's Job.destroy and resque-web find it; it carries no id and no keyword arguments.
    """
    from django_resque import queues

    if not isinstance(job_name, str) or not _JOB_NAME.match(job_name):
        raise InvalidJob(f"Job name {job_name!r} is not valid.")
    json_args, _ = to_json_args(args, {})
    target = validate_queue_name(queue or get_config()["DEFAULT_QUEUE"])
    queues.push(target, Payload(job_name, json_args).encode())
