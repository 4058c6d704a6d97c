"""OpenTelemetry's SDK as the tracing tests configure it, in the test process and in workers.

The test process sets one global tracer provider (OpenTelemetry allows one per process), whose
spans reach an InMemorySpanExporter only while a test holds `recorded()`. A worker process
started with RESQUE_TEST_OTEL_FILE (tests/settings.py) exports to that file, one JSON span a
line, through a BatchSpanProcessor that would hold spans for a minute: a forked child's spans
reach the file only if the child flushes them before it exits.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_memory = InMemorySpanExporter()
_lock = threading.Lock()


class _WhileRecording(SpanProcessor):
    """Hands ended spans to the in-memory exporter while a test records, drops them otherwise."""

    def __init__(self) -> None:
        self.on = False
        self.simple = SimpleSpanProcessor(_memory)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        if self.on:
            self.simple.on_end(span)


_recording = _WhileRecording()


def _install_in_memory() -> None:
    with _lock:
        if not isinstance(trace.get_tracer_provider(), TracerProvider):
            provider = TracerProvider()
            provider.add_span_processor(_recording)
            trace.set_tracer_provider(provider)


@contextmanager
def recorded() -> Iterator[InMemorySpanExporter]:
    """Record the spans this process ends while the block runs."""
    _install_in_memory()
    _memory.clear()
    _recording.on = True
    try:
        yield _memory
    finally:
        _recording.on = False


def export_to_file(path: str) -> None:
    """In a worker process: export every span to `path`, batched, one JSON object a line."""
    out = open(path, "a", encoding="utf-8")  # noqa: SIM115  (open for the process's life)
    exporter = ConsoleSpanExporter(out=out, formatter=lambda s: s.to_json(indent=None) + "\n")
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=60_000))
    trace.set_tracer_provider(provider)


def spans_in(path: Path) -> list[dict[str, Any]]:
    """The spans a worker exported to `path`."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
