"""@job: a frozen job definition, its registry, and enqueueing."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Generic, ParamSpec, TypeVar, overload

from django.utils import timezone

from django_resque.conf import get_config
from django_resque.exceptions import InvalidJob
from django_resque.jobs import bulk, delayed_calls, dispatch, hooks, idempotency, membership
from django_resque.jobs import options as job_options
from django_resque.jobs.arguments import json_arguments
from django_resque.jobs.bulk import DEFAULT_CHUNK_SIZE, Call
from django_resque.jobs.handles import JobHandle
from django_resque.jobs.options import Hook
from django_resque.jobs.payload import Payload, new_job_id, to_json_args
from django_resque.jobs.registry import (
    is_job_name,
    register,
    validate_job_name,
    validate_queue_name,
)
from django_resque.limits import spec as limit_spec
from django_resque.limits.spec import Limits
from django_resque.results import status
from django_resque.tracing import producer as tracing

P = ParamSpec("P")
R = TypeVar("R")


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
    # Send on commit of `database`'s transaction (None: RESQUE["ENQUEUE_ON_COMMIT"]).
    on_commit: bool | None = None
    database: str | None = None
    # Automatic retries, results and hooks (docs/failures.md, docs/results.md).
    retries: int = 0
    retry_on: tuple[type[BaseException], ...] = (Exception,)
    give_up_on: tuple[type[BaseException], ...] = ()
    backoff: Callable[[int], float] | None = None
    store_result: bool = True
    before_enqueue: tuple[Hook, ...] = ()
    after_enqueue: tuple[Hook, ...] = ()
    before_perform: tuple[Hook, ...] = ()
    after_perform: tuple[Hook, ...] = ()
    around_perform: tuple[Hook, ...] = ()
    on_failure: tuple[Hook, ...] = ()
    # Unique jobs, concurrency and rate limits (docs/limits.md), read into `limits`.
    unique: str | None = None
    unique_for: float | None = None
    unique_key: Callable[..., Any] | None = None
    concurrency: int | None = None
    concurrency_key: Callable[..., Any] | None = None
    rate_limit: str | None = None
    rate_limit_key: Callable[..., Any] | None = None
    limits: Limits | None = dataclasses.field(default=None, init=False, repr=False)
    # The group a call joins (jobs/membership.py): the caller's, unless .using(group=...).
    group: Any = dataclasses.field(default=membership.CALLERS_GROUP, repr=False)
    # The id of the one call made through .using(job_id=...): stored at most once (idempotency.py).
    job_id: str | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not callable(self.func):
            raise InvalidJob(f"@job needs a function, not {self.func!r}.")
        if not is_job_name(self.name):
            raise InvalidJob(
                f"Job name {self.name!r} is not valid: use a dotted Python path or a Resque class "
                "name such as 'Billing::Charge'."
            )
        if self.queue is not None:
            validate_queue_name(self.queue)
        self._check_options()

    def _check_options(self) -> None:
        name, put = self.name, object.__setattr__
        put(self, "timeout", job_options.check_timeout(self.timeout))
        put(self, "at_most_once", job_options.check_at_most_once(self.at_most_once))
        put(self, "retries", job_options.check_retries(name, self.retries))
        put(self, "retry_on", job_options.exception_classes(name, "retry_on", self.retry_on))
        put(self, "give_up_on", job_options.exception_classes(name, "give_up_on", self.give_up_on))
        put(self, "backoff", job_options.check_backoff(name, self.backoff))
        put(self, "store_result", job_options.check_store_result(name, self.store_result))
        for hook in job_options.HOOKS:
            put(self, hook, job_options.hooks(name, hook, getattr(self, hook)))
        options = {option: getattr(self, option) for option in limit_spec.OPTIONS}
        put(self, "limits", Limits.from_options(name, options, self.func))

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the function here and now, as if it were not a job."""
        return self.func(*args, **kwargs)

    @property
    def queue_name(self) -> str:
        """The queue this job goes to: its own, else RESQUE["DEFAULT_QUEUE"]."""
        return self.queue or get_config()["DEFAULT_QUEUE"]

    def using(
        self,
        *,
        queue: str | None = None,
        on_commit: bool | None = None,
        database: str | None = None,
        group: Any = membership.CALLERS_GROUP,
        job_id: str | None = None,
    ) -> Job[P, R]:
        """Return a copy of this definition with other options for one call site.

        `on_commit=False` sends at once even inside a transaction; `database` names the alias
        whose transaction the payload waits for (default "default"); `group` is the group the
        calls join (a Group or its id; None for none; by default the caller's); `job_id` the
        call's id, which Redis stores at most once, so the call is safe to retry.
        """
        changed = self
        if job_id is not None:
            checked = idempotency.check_job_id(self.name, job_id, self.limits)
            changed = dataclasses.replace(changed, job_id=checked)
        if group is not membership.CALLERS_GROUP:
            membership.group_id_for(group)  # a bad value fails here, at the call site
            changed = dataclasses.replace(changed, group=group)
        if queue is not None:
            changed = dataclasses.replace(changed, queue=queue)
        if on_commit is not None:
            changed = dataclasses.replace(changed, on_commit=on_commit)
        if database is not None:
            changed = dataclasses.replace(changed, database=database)
        return changed

    def delay(self, *args: P.args, **kwargs: P.kwargs) -> JobHandle:
        """Put a payload for this call on the job's queue (after commit inside a transaction).

        before_enqueue hooks run first (any returning False cancels: nothing is pushed and the
        handle says enqueued=False). Outside a transaction this returns once Redis has the
        payload; inside one the id is known at once and the payload is sent (or, on rollback,
        dropped) with the transaction.
        """
        payload = self.payload(args, kwargs)
        job_id, queue = payload.id or "", self.queue_name
        if self.before_enqueue and not hooks.before_enqueue(self, args, kwargs):
            return JobHandle(id=job_id, job_name=self.name, queue=queue, enqueued=False)
        holder = dispatch.run(
            partial(self._push, payload, queue, args, kwargs),
            on_commit=self.on_commit,
            database=self.database,
            what=lambda: f"job={self.name} id={job_id} queue={queue}",
        )
        if holder is not None:  # a unique job's copy holds the lock: nothing was pushed
            return JobHandle(id=holder, job_name=self.name, queue=queue, enqueued=False)
        return JobHandle(id=job_id, job_name=self.name, queue=queue)

    def _push(
        self, payload: Payload, queue: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> str | None:
        """Push with the status hash, run after_enqueue hooks: now, or when the commit comes.

        The status hash is written in the push's own script call (one round trip), so a fast
        worker's "running" is never overwritten by "queued". A unique job takes its lock in
        that call too; if another copy holds it, nothing is written, no hook runs, and the
        holder's id is returned.
        """
        job_id = payload.id or ""
        marked = status.enqueued_fields(job_id, self.name) if self.store_result else None
        group = membership.group_of(payload.extras)
        lock = idempotency.enqueue_lock(payload.extras, job_id, explicit=self.job_id is not None)
        holder = dispatch.push(queue, payload.encode(), status=marked, group=group, lock=lock)
        if holder is None:
            hooks.after_enqueue(self, job_id, queue, args, kwargs)
        return holder

    enqueue = delay

    def call(self, *args: P.args, **kwargs: P.kwargs) -> Call:
        """Bundle one call: an enqueue_many item, or a group's callback (Group.create)."""
        return Call(args, kwargs, job=self)

    def enqueue_many(
        self, calls: Iterable[Sequence[Any] | Call], *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> list[JobHandle]:
        """Enqueue one payload per call in a few pipelined round trips (see bench/README.md).

        Each item is a tuple (or list) of positional arguments, or `job.call(...)`. Every item
        is checked before anything is sent, so bad input raises and stores nothing.
        """
        return bulk.enqueue_many(self, calls, chunk_size=chunk_size)

    def enqueue_in(self, delay: timedelta, /, *args: P.args, **kwargs: P.kwargs) -> JobHandle:
        """Store this call to run `delay` from now (a delayed job, promoted by the scheduler)."""
        if not isinstance(delay, timedelta):
            raise InvalidJob(f"enqueue_in needs a timedelta, not {delay!r}.")
        return delayed_calls.schedule(self, timezone.now() + delay, args, kwargs)

    def enqueue_at(self, when: datetime, /, *args: P.args, **kwargs: P.kwargs) -> JobHandle:
        """Store this call to run at `when` (aware when USE_TZ); at once if that has passed."""
        return delayed_calls.schedule(self, when, args, kwargs)

    def payload(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], *, queue_time: float | None = None
    ) -> Payload:
        """Build the payload for one call, checking that its arguments are JSON.

        Model instances become references the worker fetches afresh (see arguments.py). Its
        `queue_time` (php-resque's field, epoch seconds) says when it becomes runnable: now,
        unless a later time is given (a delayed call's due time); queue waits count from it.
        Inside a trace, the payload carries its context (tracing/producer.py).
        """
        if kwargs:
            job_options.refuse_as_arguments(self.name, self.func, kwargs)
        json_args, json_kwargs = json_arguments(args, kwargs)
        extras = membership.extras_for(self.group)
        if self.limits is not None:
            extras["limits"] = self.limits.field(args, kwargs, (json_args, json_kwargs))
        extras["queue_time"] = time.time() if queue_time is None else queue_time
        job_id = self.job_id or new_job_id()
        if tracing.active():  # the caller's trace context travels with the payload
            tracing.stamp(extras, self.name, job_id, self.queue_name)
        return Payload(self.name, json_args, json_kwargs, id=job_id, extras=extras)


@overload
def job(func: Callable[P, R], /) -> Job[P, R]: ...
@overload
def job(
    *, name: str | None = None, queue: str | None = None, **options: Any
) -> Callable[[Callable[P, R]], Job[P, R]]: ...
def job(
    func: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    queue: str | None = None,
    **options: Any,
) -> Job[P, R] | Callable[[Callable[P, R]], Job[P, R]]:
    """Register a function as a job; usable bare (`@job`) or with options (`@job(queue=...)`).

    Options: timeout, at_most_once, retries, retry_on, give_up_on, backoff, store_result, the
    hooks before_enqueue, after_enqueue, before_perform, after_perform, around_perform,
    on_failure, and the limits unique, unique_for, unique_key, concurrency, concurrency_key,
    rate_limit, rate_limit_key (docs/limits.md).
    """
    if func is not None and not callable(func):
        raise InvalidJob(
            f"@job({func!r}) got a positional argument; options are keywords: "
            f"@job(queue={func!r}) for a queue, @job(name={func!r}) for a job name."
        )
    unknown = sorted(set(options) - job_options.OPTIONS)
    if unknown:
        raise InvalidJob(
            f"@job got unknown option(s) {', '.join(unknown)}; known options are "
            f"name, queue, {', '.join(sorted(job_options.OPTIONS))}."
        )

    def wrap(f: Callable[P, R]) -> Job[P, R]:
        if "<locals>" in getattr(f, "__qualname__", ""):
            raise InvalidJob(
                f"{f.__qualname__} is defined inside a function; workers can only find "
                "module-level functions, so move it to a module (for example jobs.py)."
            )
        definition = Job(
            func=f, name=name or f"{f.__module__}.{f.__qualname__}", queue=queue, **options
        )
        register(definition)
        return definition

    return wrap if func is None else wrap(func)


def enqueue(job_name: str, /, *args: Any, queue: str | None = None) -> None:
    """Enqueue a job by name exactly as Ruby's Resque.enqueue would, for workers in any language.

    The payload is `{"class":...,"args":[...]}` and nothing more, byte for byte what Ruby writes,
    so Ruby's Job.destroy and resque-web find it; it carries no id and no keyword arguments.
    """
    from django_resque.queues import lists as queues

    validate_job_name(job_name)
    json_args, _ = to_json_args(args, {})
    target = validate_queue_name(queue or get_config()["DEFAULT_QUEUE"])
    queues.push(target, Payload(job_name, json_args).encode())
