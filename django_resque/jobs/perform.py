"""Perform one payload: resolve its job through the registry and call it, with its hooks.

Order, as Resque's: job_started signal, before_perform hooks (DontPerform skips the job
silently), around_perform hooks wrapping the function (the first listed is outermost; each is
called as `hook(run, *args, **kwargs)` and must call `run()`), after_perform hooks (success only),
job_finished. On any failure: on_failure hooks `hook(exc, *args, **kwargs)`, then job_failed.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync

from django_resque import signals
from django_resque.exceptions import DirtyExit, DontPerform, UnknownJob
from django_resque.failures import retries
from django_resque.groups import context as group_context
from django_resque.jobs.arguments import thaw
from django_resque.jobs.membership import group_of
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload, decode, decode_or_none
from django_resque.jobs.registry import get_job
from django_resque.tracing.consumer import Consumer, consuming

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job

logger = logging.getLogger(__name__)

_attempt: ContextVar[int] = ContextVar("django_resque_attempt", default=0)


def current_attempt() -> int:
    """Return which attempt of the running job this is (1 for the first run); 0 outside a job."""
    return _attempt.get()


def perform(raw: bytes, decoded: Payload | None = None, *, queue: str | None = None) -> Outcome:
    """Run the job a payload names and return what came of it; never raises.

    This is the one place that catches BaseException from user code: whatever a job raises
    (SystemExit included) becomes a failure record instead of ending the worker. `decoded` is
    the payload the worker already decoded from `raw`, so it is not parsed twice. `queue`, the
    queue it came from, is what the attempt's trace span names (tracing/consumer.py).
    """
    definition: Job[Any, Any] | None = None
    payload: Payload | None = None
    span: Consumer | None = None
    token = _attempt.set(1)
    try:
        payload = decoded if decoded is not None else decode(raw)
        _attempt.set(retries.attempt_of(payload))
        span = consuming(payload.job_name, payload.id, queue, _attempt.get(), payload.extras)
        definition = get_job(payload.job_name)
        if definition is None:
            raise UnknownJob(
                f"No job is registered as {payload.job_name!r} in this worker; "
                "deploy the code that defines it, then retry the failure."
            )
        with group_context.performing(group_of(payload.extras)):
            return _run(definition, payload)
    except BaseException as exc:  # noqa: BLE001  (the job boundary; see docstring)
        if span is not None:
            span.failed(exc)
        return _failed(definition, payload, exc)
    finally:
        if span is not None:
            span.end()
        _attempt.reset(token)


def after_dirty_exit(raw: bytes, outcome: Outcome) -> Outcome:
    """In the worker, for a child that died: decide on a retry and run on_failure hooks once."""
    payload = decode_or_none(raw)
    if payload is None:
        return outcome
    definition = get_job(payload.job_name)
    if definition is None:
        return outcome
    attempt = retries.attempt_of(payload)
    token = _attempt.set(attempt)
    try:
        retry_in = _retry_in(definition, attempt, None)
        dirty = dataclasses.replace(outcome, attempt=attempt, retry_in=retry_in)
        _failure_hooks(definition, payload, DirtyExit(outcome.error), dirty)
        return dirty
    finally:
        _attempt.reset(token)


def perform_now(definition: Job[Any, Any], payload: Payload) -> Any:
    """Run a job with its hooks and let its exception propagate (RESQUE["INLINE"]).

    Its attempt is the payload's, 1 for a first run, as current_attempt() says on a worker.
    """
    token = _attempt.set(retries.attempt_of(payload))
    try:
        with group_context.performing(group_of(payload.extras)):
            return _run(definition, payload).result
    finally:
        _attempt.reset(token)


def _run(definition: Job[Any, Any], payload: Payload) -> Outcome:
    args, kwargs, attempt = thaw(payload.args), thaw(payload.kwargs), _attempt.get()  # models
    info = _info(definition, payload)
    signals.started(definition, info)
    try:
        for hook in definition.before_perform:
            hook(*args, **kwargs)
    except DontPerform:
        logger.info("event=skipped job=%s id=%s reason=DontPerform", definition.name, payload.id)
        return Outcome(ok=True, attempt=attempt)
    func = _callable(definition)
    if definition.around_perform:
        run: Callable[[], Any] = functools.partial(func, *args, **kwargs)
        for around in reversed(definition.around_perform):
            run = functools.partial(around, run, *args, **kwargs)
        result = run()
    else:
        result = func(*args, **kwargs)
    for hook in definition.after_perform:
        hook(*args, **kwargs)
    signals.finished(definition, info, result)
    return Outcome(ok=True, result=result, attempt=attempt)


def _callable(definition: Job[Any, Any]) -> Callable[..., Any]:
    """The job's function as a plain call: an `async def` job runs to its end on an event loop.

    asgiref's async_to_sync (Django's own bridge) runs the coroutine on a loop of its own and
    keeps this thread for what the job hands to `sync_to_async` (thread-sensitive by default,
    as for the ORM), so those calls use this thread's database connections, which the worker
    closes after the job. Hooks and around_perform wrappers see one call that returns the result.
    """
    if inspect.iscoroutinefunction(definition.func):
        return async_to_sync(definition.func)
    return definition.func


def _failed(
    definition: Job[Any, Any] | None, payload: Payload | None, exc: BaseException
) -> Outcome:
    attempt = _attempt.get()
    if definition is None or payload is None:
        return Outcome.failure(exc, attempt=attempt)
    outcome = Outcome.failure(exc, attempt=attempt, retry_in=_retry_in(definition, attempt, exc))
    _failure_hooks(definition, payload, exc, outcome)
    return outcome


def _retry_in(definition: Job[Any, Any], attempt: int, exc: BaseException | None) -> float | None:
    try:
        return retries.delay_after(definition, attempt, exc)
    except Exception:
        logger.exception("job=%s event=backoff-failed attempt=%s", definition.name, attempt)
        return None


def _failure_hooks(
    definition: Job[Any, Any], payload: Payload, exc: BaseException, outcome: Outcome
) -> None:
    """Run on_failure hooks and send job_failed; a hook that raises is logged, not re-raised."""
    for hook in definition.on_failure:
        try:
            hook(exc, *payload.args, **payload.kwargs)
        except Exception:
            logger.exception("job=%s event=on-failure-hook-failed hook=%r", definition.name, hook)
    signals.failed(
        definition,
        _info(definition, payload),
        exception=exc if not isinstance(exc, DirtyExit) else None,
        error=outcome.error,
        will_retry=outcome.retry_in is not None,
    )


def _info(definition: Job[Any, Any], payload: Payload) -> signals.JobInfo:
    return signals.JobInfo(
        payload.id or "", definition.name, payload.args, payload.kwargs, _attempt.get()
    )
