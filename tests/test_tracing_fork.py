"""Spans made in forked children reach the exporter: real `resque_work` processes whose
children leave with os._exit, exporting to a file through a BatchSpanProcessor that would hold
the spans for a minute (tests/otel.py), so only the child's flush before it reports gets them
out. Workers without fork export at their exit, as the SDK does for any process.
"""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from tests import jobs as test_jobs
from tests.otel import recorded, spans_in

pytestmark = pytest.mark.django_db(transaction=True)

MODES = {
    "a child forked ahead": ([], {}),
    "a child forked at pickup": ([], {"RESQUE_TEST_FORK_AHEAD": "0"}),
    "one child with threads": (["--threads", "2"], {}),
    "threads without fork": (["--no-fork", "--threads", "2"], {}),
    "no fork": (["--no-fork"], {}),
}


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_process_exports_each_jobs_span_as_the_child_of_its_enqueue(
    redis, ledger, tmp_path, start_worker, mode
):
    args, env = MODES[mode]
    exported = tmp_path / "spans.jsonl"
    with recorded() as exporter, trace.get_tracer("tests").start_as_current_span("request"):
        handles = [test_jobs.record.delay(ledger, str(n)) for n in range(3)]
        failing = test_jobs.fail.delay("boom")
    producers = {
        f"0x{s.context.span_id:016x}": s
        for s in exporter.get_finished_spans()
        if s.kind is SpanKind.PRODUCER
    }
    worker = start_worker(
        "--burst", "--queues", "default", *args, env={"RESQUE_TEST_OTEL_FILE": str(exported), **env}
    )
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    consumers = {
        s["attributes"]["messaging.message.id"]: s
        for s in spans_in(exported)
        if s["kind"] == "SpanKind.CONSUMER"
    }
    assert set(consumers) == {h.id for h in [*handles, failing]}
    for span in consumers.values():
        assert span["parent_id"] in producers  # the child of its own PRODUCER span
        producer = producers[span["parent_id"]]
        assert span["context"]["trace_id"] == f"0x{producer.context.trace_id:032x}"
        assert span["attributes"]["messaging.destination.name"] == "default"
        assert span["attributes"]["messaging.resque.attempt"] == 1
    assert consumers[failing.id]["status"]["status_code"] == "ERROR"
    assert consumers[handles[0].id]["status"]["status_code"] == "UNSET"
