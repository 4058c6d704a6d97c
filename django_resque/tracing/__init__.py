"""Trace context for jobs, when OpenTelemetry is installed (the optional extra `otel`).

`otel.py` is the one module that imports OpenTelemetry, and says whether it could.
`producer.py` stamps the current trace context into a payload as it is built (Ruby's
opentelemetry-instrumentation-resque reads and writes the same top-level fields), and
`consumer.py` opens the span around each attempt in the process that performs it, as the
child of that context, and flushes a forked child's spans before it reports.
Without OpenTelemetry each entry point returns at its first line.
"""
