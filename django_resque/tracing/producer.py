"""Stamp the current trace context into a payload as it is built.

The context travels as top-level payload fields after `class`/`args`, written by the configured
propagator's `inject` into a dict: with OpenTelemetry's default propagators `traceparent`,
`tracestate` (when there is one) and `baggage` (when there is any). Those are the fields Ruby's
opentelemetry-instrumentation-resque writes and reads, so a trace crosses between a Ruby
producer and a Python worker either way.

Each stamped payload gets a PRODUCER span of its own ("<job> create", ended at once, the child
of the caller's span) whose context is the one injected: the worker's span is its child, and a
bulk enqueue gives each message its own creation context, as the messaging conventions ask.
Only a call made while a span is current is stamped: an enqueue outside any trace starts none.
"""

from __future__ import annotations

from typing import Any

from django_resque.tracing import otel
from django_resque.tracing.otel import DESTINATION, JOB, MESSAGE_ID, OPERATION, RESQUE, SYSTEM


def active() -> bool:
    """True when OpenTelemetry is installed and a valid span is current: a payload is stamped."""
    return otel.INSTALLED and otel.trace.get_current_span().get_span_context().is_valid


def stamp(extras: dict[str, Any], job_name: str, job_id: str | None, queue: str) -> None:
    """Add the trace context of a new PRODUCER span for one message to a payload's extras.

    Fields the payload already has are kept: the propagator cannot overwrite ours.
    """
    attributes = {SYSTEM: RESQUE, DESTINATION: queue, OPERATION: "create", JOB: job_name}
    if job_id:
        attributes[MESSAGE_ID] = job_id
    span = otel.tracer().start_span(
        f"{job_name} create", kind=otel.trace.SpanKind.PRODUCER, attributes=attributes
    )
    carrier: dict[str, str] = {}
    try:
        otel.propagate.inject(carrier, context=otel.trace.set_span_in_context(span))
    finally:
        span.end()
    for name, value in carrier.items():
        extras.setdefault(name, value)
