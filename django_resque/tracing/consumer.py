"""The CONSUMER span around one attempt of a job, in the process that performs it.

The span is named "<job> process", is the child of the context the payload carries (or the
root of a new trace when it carries none, or none that parses), and is current while the job
runs, so the job's own spans (HTTP calls, queries) nest under it. It carries the job's name,
queue, id and attempt; a failed attempt records its exception and an error status.

A forked child leaves with os._exit, which runs no exit handler: `flush()` exports what the
child's span processors still hold before it reports (the parent kills the child's process
group once the report is in), bounded by FLUSH_SECONDS.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django_resque.tracing import otel
from django_resque.tracing.otel import (
    ATTEMPT,
    DESTINATION,
    JOB,
    MAX_FIELD_CHARS,
    MESSAGE_ID,
    OPERATION,
    RESQUE,
    SYSTEM,
)

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
_unflushed = False  # a span ended in this process since the last flush()


class Consumer:
    """An open CONSUMER span, current until `end()`."""

    __slots__ = ("span", "_token")

    def __init__(self, span: Span) -> None:
        self.span = span
        self._token = otel.context.attach(otel.trace.set_span_in_context(span))

    def failed(self, exc: BaseException) -> None:
        """Record the exception that failed the attempt (the caller has caught it)."""
        self.span.record_exception(exc)
        self.span.set_status(otel.trace.StatusCode.ERROR, f"{type(exc).__name__}: {exc}")

    def end(self) -> None:
        """Stop being current, and end the span."""
        global _unflushed
        otel.context.detach(self._token)
        self.span.end()
        _unflushed = True


def consuming(
    job_name: str, job_id: str | None, queue: str | None, attempt: int, extras: dict[str, Any]
) -> Consumer | None:
    """Open the span for one attempt and make it current; None without OpenTelemetry, and
    None when no tracer provider is set and the payload carries no trace context (the span
    would record nothing, and making it current costs a forked child pages of its own)."""
    if not otel.INSTALLED:
        return None
    parent = _parent(extras)
    if not parent and not otel.recording():
        return None  # nothing would record the span, and there is no trace to carry on
    attributes: dict[str, str | int] = {
        SYSTEM: RESQUE,
        OPERATION: "process",
        JOB: job_name,
        ATTEMPT: attempt,
    }
    if queue:
        attributes[DESTINATION] = queue
    if job_id:
        attributes[MESSAGE_ID] = job_id
    span = otel.tracer().start_span(
        f"{job_name} process",
        context=parent,
        kind=otel.trace.SpanKind.CONSUMER,
        attributes=attributes,
    )
    return Consumer(span)


def _parent(extras: dict[str, Any]) -> Context:
    """The context a payload carries; an empty one (a new trace) if it carries none that parses.

    Only text fields the propagator reads are handed to it: a payload is data from Redis,
    and a propagator given a number or a list where it expects text may raise.
    """
    propagator = otel.propagate.get_global_textmap()
    carrier = {
        name: value
        for name in propagator.fields
        if isinstance(value := extras.get(name), str) and len(value) <= MAX_FIELD_CHARS
    }
    if not carrier:
        return otel.context.Context()
    try:
        return propagator.extract(carrier, context=otel.context.Context())
    except Exception as exc:  # a third-party propagator's fault must not fail the job
        logger.warning("event=trace-context-ignored error=%s", exc)
        return otel.context.Context()


def flush() -> None:
    """Export the spans this process ended, within FLUSH_SECONDS (a forked child, before it
    reports); nothing to do without OpenTelemetry or when no span ended since the last flush."""
    global _unflushed
    if not _unflushed:
        return
    _unflushed = False
    force_flush = getattr(otel.trace.get_tracer_provider(), "force_flush", None)
    if callable(force_flush):
        force_flush(int(FLUSH_SECONDS * 1000))


def rename(job_name: str) -> None:
    """Name the current attempt's span after `job_name`: a job that runs another's code (the
    django.tasks runner runs the task a payload names) says which."""
    if otel.INSTALLED:
        span = otel.trace.get_current_span()
        span.update_name(f"{job_name} process")
        span.set_attribute(JOB, job_name)
