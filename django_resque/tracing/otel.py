"""The optional import of OpenTelemetry's API, and the names every span of ours uses.

Only the API is imported: the application configures the SDK (a tracer provider, exporters,
propagators) as OpenTelemetry documents, and the library never does.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

try:
    from opentelemetry import context, propagate, trace  # noqa: F401  (used as otel.<name>)

    INSTALLED = True
except ImportError:  # the extra `otel` is not installed: tracing is off, at no cost
    INSTALLED = False

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

# Messaging semantic conventions, as strings: the attribute names are stable, and the
# opentelemetry-semantic-conventions package is not.
SYSTEM = "messaging.system"
DESTINATION = "messaging.destination.name"
MESSAGE_ID = "messaging.message.id"
OPERATION = "messaging.operation"
JOB = "messaging.resque.job_class"  # the name Ruby's Resque instrumentation uses
ATTEMPT = "messaging.resque.attempt"
RESQUE = "resque"
# A carrier value longer than this is not trace context (a W3C traceparent is 55 characters,
# a tracestate at most 32 members of 256); the consumer ignores it.
MAX_FIELD_CHARS = 8192


@cache
def tracer() -> Tracer:
    """Our tracer, from the global provider (a proxy until the application sets one)."""
    from django_resque import __version__

    return trace.get_tracer("django_resque", __version__)


def recording() -> bool:
    """Whether the application has set a tracer provider; until it does, the API's global is a
    proxy whose spans record nothing."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
