"""Any bytes in a queue end as a job run or a failure record, and the worker goes on."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_fragments = st.sampled_from(
    [
        b'{"class":"tests.jobs.add","args":[1,2]',
        b'{"class":',
        b'"args":',
        b"}",
        b"]",
        b"[",
        b'"\\ud800"',
        b'"x\\u0000"',
        b'"a\\nb"',
        b"\xed\xa0\x80",
        b"\xff",
        b"[" * 1500,
        b',"id":',
    ]
)
queued_bytes = st.one_of(
    st.binary(min_size=1, max_size=120),
    st.lists(st.one_of(_fragments, st.binary(max_size=6)), min_size=1, max_size=8).map(b"".join),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=queued_bytes)
def test_any_bytes_on_a_queue_end_as_a_job_or_a_failure_record(redis, work_here, raw):
    redis.flushdb()
    redis.rpush("resque:queue:fuzz", raw, b'{"class":"tests.jobs.add","args":[3,4]}')
    work_here("fuzz", fork=False)
    assert redis.llen("resque:queue:fuzz") == 0  # the worker went on past it
    assert redis.get("resque:stat:processed") == b"2"
    assert redis.llen("resque:failed") <= 1  # it ran, or its failure is on record
    assert not redis.keys("resque:worker:*")  # nothing left in flight
