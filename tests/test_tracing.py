"""Trace context with OpenTelemetry: what an enqueue stamps into a payload, and the span a
worker opens around each attempt. The worker runs in this process without fork (work_here),
so its spans reach the in-memory exporter (tests/otel.py); forked children are in
test_tracing_fork.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from django_resque.queues import lists as queues
from django_resque.results import status
from tests import jobs as test_jobs
from tests import tasks as test_tasks
from tests.helpers import ROOT, worker_env
from tests.otel import recorded

pytestmark = pytest.mark.django_db(transaction=True)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def _request_span():
    return trace.get_tracer("tests").start_as_current_span("request")


def _queued(redis, queue="default"):
    return [json.loads(raw) for raw in redis.lrange(f"resque:queue:{queue}", 0, -1)]


def _spans(exporter, kind):
    return [s for s in exporter.get_finished_spans() if s.kind is kind]


def test_a_delay_inside_a_span_stamps_the_context_of_its_producer_span_after_class_and_args(
    redis,
):
    with recorded() as exporter, _request_span() as request:
        handle = test_jobs.add.delay(1, 2)
    [payload] = _queued(redis)
    assert list(payload)[:2] == ["class", "args"]
    [producer] = _spans(exporter, SpanKind.PRODUCER)
    assert producer.name == "tests.jobs.add create"
    assert producer.parent.span_id == request.get_span_context().span_id
    assert dict(producer.attributes) == {
        "messaging.system": "resque",
        "messaging.destination.name": "default",
        "messaging.operation": "create",
        "messaging.resque.job_class": "tests.jobs.add",
        "messaging.message.id": handle.id,
    }
    context = producer.get_span_context()
    assert payload["traceparent"].startswith(f"00-{context.trace_id:032x}-{context.span_id:016x}-")


def test_an_enqueue_outside_any_span_stamps_nothing_and_starts_no_trace(redis):
    with recorded() as exporter:
        test_jobs.add.delay(1, 2)
    [payload] = _queued(redis)
    assert set(payload) == {"class", "args", "id", "queue_time"}  # no trace context
    assert exporter.get_finished_spans() == ()


def _delay(ledger):
    test_jobs.record.delay(ledger, "a")


def _enqueue_in(ledger):
    test_jobs.record.enqueue_in(timedelta(hours=1), ledger, "a")


def _enqueue_at(ledger):
    test_jobs.record.enqueue_at(timezone.now() + timedelta(hours=1), ledger, "a")


def _enqueue_many(ledger):
    test_jobs.record.enqueue_many([(ledger, "a"), (ledger, "b")])


def _task(ledger):
    test_tasks.record_task.enqueue(ledger, "a")


@pytest.mark.parametrize("enqueue", [_delay, _enqueue_in, _enqueue_at, _enqueue_many, _task])
def test_every_way_to_enqueue_stamps_each_payload_with_the_callers_trace(redis, ledger, enqueue):
    with recorded(), _request_span() as request:
        enqueue(ledger)
    stored = [
        raw
        for key in redis.keys("resque:*")
        if redis.type(key) == b"list"
        for raw in redis.lrange(key, 0, -1)
    ]
    payloads = [json.loads(raw) for raw in stored if b'"class"' in raw]
    assert payloads
    trace_id = f"{request.get_span_context().trace_id:032x}"
    assert {p["traceparent"].split("-")[1] for p in payloads} == {trace_id}
    assert len({p["traceparent"] for p in payloads}) == len(payloads)  # a producer span each


def test_each_attempt_runs_in_a_consumer_span_that_is_the_child_of_the_enqueue(redis, work_here):
    with recorded() as exporter:
        with _request_span():
            handle = test_jobs.current_span_ids.delay()
        work_here("default", fork=False)
    [producer] = _spans(exporter, SpanKind.PRODUCER)
    [consumer] = _spans(exporter, SpanKind.CONSUMER)
    assert consumer.name == "tests.jobs.current_span_ids process"
    assert consumer.parent.span_id == producer.get_span_context().span_id
    assert consumer.context.trace_id == producer.context.trace_id
    assert dict(consumer.attributes) == {
        "messaging.system": "resque",
        "messaging.operation": "process",
        "messaging.destination.name": "default",
        "messaging.message.id": handle.id,
        "messaging.resque.job_class": "tests.jobs.current_span_ids",
        "messaging.resque.attempt": 1,
    }
    assert consumer.status.status_code is StatusCode.UNSET
    # the span is current while the job runs: the job's own spans nest under it
    assert status.get(handle.id).result == [
        f"{consumer.context.trace_id:032x}",
        f"{consumer.context.span_id:016x}",
    ]


def test_a_failed_attempt_records_its_exception_and_an_error_and_retries_keep_the_trace(
    redis, ledger, work_here
):
    with recorded() as exporter:
        with _request_span() as request:
            test_jobs.always_fails.delay(ledger)
        work_here("default", fork=False, until=lambda: redis.llen("resque:failed") == 1)
    consumers = _spans(exporter, SpanKind.CONSUMER)
    assert [s.attributes["messaging.resque.attempt"] for s in consumers] == [1, 2, 3]
    for span in consumers:
        assert span.context.trace_id == request.get_span_context().trace_id
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description == "TimeoutError: the third party never answers"
        [event] = span.events
        assert event.name == "exception"
        assert event.attributes["exception.type"] == "TimeoutError"


def test_a_payload_without_trace_context_is_performed_in_a_new_trace(redis, work_here):
    queues.push("default", json.dumps({"class": "tests.jobs.add", "args": [1, 2]}))
    with recorded() as exporter:
        work_here("default", fork=False)
    [consumer] = _spans(exporter, SpanKind.CONSUMER)
    assert consumer.parent is None
    assert "messaging.message.id" not in consumer.attributes


@pytest.mark.parametrize(
    "fields",
    [
        {"traceparent": 5},
        {"traceparent": ["00", TRACE_ID]},
        {"traceparent": {"trace_id": TRACE_ID}},
        {"traceparent": None, "tracestate": 7},
        {"traceparent": "garbage"},
        {"traceparent": f"00-{'0' * 32}-{PARENT_ID}-01"},
        {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01" + "-" * 10_000},
        {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "tracestate": ["a=b"]},
        {"baggage": {"user": 1}},
    ],
)
def test_hostile_trace_fields_are_ignored_and_never_fail_the_job(redis, ledger, work_here, fields):
    payload = {"class": "tests.jobs.record", "args": [ledger, "ran"], "id": "hostile", **fields}
    queues.push("default", json.dumps(payload))
    with recorded() as exporter:
        work_here("default", fork=False)
    assert [line[0] for line in test_jobs.read_ledger(ledger)] == ["ran"]
    assert redis.llen("resque:failed") == 0
    [consumer] = _spans(exporter, SpanKind.CONSUMER)
    if fields.get("traceparent") == f"00-{TRACE_ID}-{PARENT_ID}-01":  # beside a bad tracestate
        assert f"{consumer.parent.span_id:016x}" == PARENT_ID
    else:
        assert consumer.parent is None


def test_a_django_task_span_is_named_after_the_task(redis, ledger, work_here):
    with recorded() as exporter:
        with _request_span():
            test_tasks.record_task.enqueue(ledger, "a")
        work_here("tasks", fork=False)
    [producer] = _spans(exporter, SpanKind.PRODUCER)
    [consumer] = _spans(exporter, SpanKind.CONSUMER)
    assert producer.name == "tests.tasks.record_task create"
    assert consumer.name == "tests.tasks.record_task process"
    assert consumer.attributes["messaging.resque.job_class"] == "tests.tasks.record_task"
    assert consumer.parent.span_id == producer.context.span_id


WITHOUT_OPENTELEMETRY = """
import json, sys
sys.modules["opentelemetry"] = None  # what an environment without the extra `otel` imports
import django
django.setup()
from django_resque.jobs.perform import perform
from django_resque.tracing import consumer, otel
from tests import jobs
payload = jobs.add.payload((1, 2), {})
raw = json.dumps({**json.loads(payload.encode()), "traceparent": "00-%s-%s-01"}).encode()
outcome = perform(raw, queue="default")
consumer.flush()
loaded = sorted(m for m, module in sys.modules.items() if "opentelemetry" in m and module)
print(json.dumps([otel.INSTALLED, sorted(payload.extras), outcome.ok, outcome.result, loaded]))
"""


def test_without_opentelemetry_nothing_of_it_is_loaded_and_payloads_and_jobs_are_unchanged():
    code = WITHOUT_OPENTELEMETRY % (TRACE_ID, PARENT_ID)
    done = subprocess.run(
        [sys.executable, "-c", code], env=worker_env(), cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, ["queue_time"], True, 3, []]  # no trace fields


API_ONLY = """
import json
import django
django.setup()
from opentelemetry import trace
from django_resque.jobs.perform import perform
from tests import jobs
assert type(trace.get_tracer_provider()) is trace.ProxyTracerProvider  # no SDK configured
plain = jobs.current_span_ids.payload((), {}).encode()
carried = json.dumps({**json.loads(plain), "traceparent": "00-%s-%s-01"}).encode()
print(json.dumps([perform(raw, queue="default").result for raw in (plain, carried)]))
"""


def test_with_only_the_api_a_carried_trace_passes_through_and_none_is_made_up():
    code = API_ONLY % (TRACE_ID, PARENT_ID)
    done = subprocess.run(
        [sys.executable, "-c", code], env=worker_env(), cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    plain, carried = json.loads(done.stdout.splitlines()[-1])
    assert plain == ["0" * 32, "0" * 16]  # no span is current: nothing would record it
    assert carried == [TRACE_ID, PARENT_ID]  # the job's own enqueues carry the caller's trace
