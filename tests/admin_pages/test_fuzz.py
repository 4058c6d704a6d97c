"""Any bytes another client (or an attacker) left in Redis render as a page, never a 500.

hypothesis writes arbitrary bytes where the admin reads stored data — a queued payload, a failure
record, a worker's in-flight record, a delayed item, a limit's holders, sizes and waiting jobs —
and every page that shows it must answer.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_resque.failures import records
from django_resque.failures import registry as failures
from django_resque.jobs.outcome import Outcome

# Bytes shaped like what Redis holds: JSON-ish fragments mixed with anything at all.
_fragments = st.sampled_from(
    [
        b"{",
        b"}",
        b"[",
        b"]",
        b'"class":',
        b'"args":',
        b'"payload":',
        b'"queue":"q",',
        b",",
        b'"\\ud800"',
        b'"\\u0000"',
        b"\xed\xa0\x80",
        b"\xff",
        b"null",
        b"1e999",
        b"[" * 1200,
    ]
)
stored_bytes = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(_fragments, st.binary(max_size=8)), max_size=12).map(b"".join),
)
PAGES = {
    "queue": "/admin/django_resque/queue/detail/?name=fuzz",
    "worker": "/admin/django_resque/worker/detail/?id=h:1:fuzz",
    "delayed at": "/admin/django_resque/delayedjob/detail/?at=1900000000",
    "queues": "/admin/django_resque/queue/",
    "failed": "/admin/django_resque/failedjob/",
    "workers": "/admin/django_resque/worker/",
    "overview": "/admin/django_resque/overview/",
    "delayed": "/admin/django_resque/delayedjob/",
    "stats": "/admin/django_resque/stats/",
    "limits": "/admin/django_resque/limit/",
    "limit": "/admin/django_resque/limit/detail/?k=fuzz",
}
_quick = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings(max_examples=400, deadline=None)
@given(stored_bytes)
def test_any_stored_failure_record_parses_and_any_payload_makes_a_readable_record(raw):
    failure = records.parse("id", raw)
    assert isinstance(failure.backtrace, list) and isinstance(failure.error, str)
    assert isinstance(failure.job_name, str) and isinstance(failure.args, list)
    record = records.build(raw, Outcome(ok=False, exception="E"), queue="q", worker_id="w")
    again = records.parse(record["id"], record.encode())
    assert again.exception == "E" and again.queue == "q"


@pytest.mark.django_db
@_quick
@given(raw=stored_bytes)
def test_every_page_that_shows_stored_data_answers_whatever_the_bytes(redis, operator, raw):
    redis.flushdb()
    redis.rpush("resque:queue:fuzz", raw)
    redis.sadd("resque:queues", "fuzz")
    redis.rpush("resque:failed", raw)
    redis.sadd("resque:workers", "h:1:fuzz")
    redis.set("resque:worker:h:1:fuzz", raw)
    redis.rpush("resque:delayed:1900000000", raw)
    redis.zadd("resque:delayed_queue_schedule", {"1900000000": 1900000000})
    redis.set("resque:dj:limit:lock:fuzz", raw)
    redis.hset("resque:dj:limit:slots:fuzz", mapping={"h:1:fuzz": raw, "~fuzz": raw})
    redis.zadd("resque:dj:limit:rate:fuzz", {raw: 1})
    redis.rpush("resque:dj:limit:wait:slots:fuzz", raw)
    redis.rpush("resque:dj:limit:wait:rate:fuzz", b"q\n" + raw)
    redis.hset("resque:dj:limit:max", mapping={"slots:fuzz": raw, "rate:fuzz": raw})
    for name, url in PAGES.items():
        response = operator.get(url)
        assert response.status_code == 200, (name, raw)
    for failure in failures.page():  # the foreign record was adopted with an id of its own
        response = operator.get("/admin/django_resque/failedjob/detail/", {"id": failure.id})
        assert response.status_code == 200, ("failed detail", raw)
