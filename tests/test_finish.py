"""The worker's outcome recording, in process: retry scheduling, final failure, dirty exits."""

from __future__ import annotations

import json
import uuid

from django_resque.failures import retries
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.perform import perform
from django_resque.results import stats, status
from django_resque.storage.keys import get_keys
from django_resque.worker import finish
from django_resque.worker.registration import register
from django_resque.worker.reservation import Reservation
from tests import jobs as test_jobs


def _take(redis):
    return redis.lpop("resque:queue:default")


def _reserve(worker_id):
    """Take the next payload as a worker does: the reserve script marks its status running."""
    token = uuid.uuid4().hex
    register(worker_id, token)
    _, raw = Reservation(worker_id, ["default"], 0.0, get_keys()).take(0, token, None)
    return raw


def test_a_failed_attempt_with_retries_left_waits_in_the_retry_zset(redis, ledger):
    handle = test_jobs.flaky.delay(ledger, 2)
    raw = _reserve("h:1:default")
    outcome = finish.record(raw, perform(raw), queue="default", worker_id="h:1:default")
    assert outcome.retry_in == 0.0 and outcome.attempt == 1
    assert handle.status == "retrying" and handle.info().attempts == 1
    assert stats.get("retried") == 1 and redis.llen("resque:failed") == 0
    assert retries.promote_due() == 1
    nxt = _reserve("h:2:default")
    assert json.loads(nxt)["attempt"] == 2 and json.loads(nxt)["id"] == handle.id
    assert finish.record(nxt, perform(nxt), queue="default", worker_id="h:2:default").ok
    final = status.get(handle.id)
    assert (final.status, final.result, final.attempts) == ("succeeded", 2, 2)
    assert final.worker_ids == ["h:1:default", "h:2:default"]


def test_a_dirty_exit_is_retried_from_the_parent_and_runs_on_failure(redis, ledger):
    test_jobs.dies_always.delay(ledger)
    raw = _take(redis)
    dirty = Outcome.dirty_exit("Child pid 1 was killed by signal 9 (SIGKILL).")
    outcome = finish.record(raw, dirty, queue="default", worker_id="h:1:default")
    assert outcome.retry_in == 0.0 and retries.pending() == 1
    assert test_jobs.read_ledger(ledger) == [["on_failure"]]
    retries.promote_due()
    raw = _take(redis)
    outcome = finish.record(raw, dirty, queue="default", worker_id="h:1:default")
    assert outcome.retry_in is None and redis.llen("resque:failed") == 1
    assert json.loads(redis.lindex("resque:failed", 0))["attempts"] == 2


def test_a_malformed_payload_is_recorded_without_a_status(redis):
    outcome = finish.record(b"\x80nope", perform(b"\x80nope"), queue="q", worker_id="h:1:q")
    assert not outcome.ok and redis.llen("resque:failed") == 1
    assert not redis.keys("resque:dj:job:*")


def test_a_backoff_that_raises_ends_the_job_instead_of_the_worker(redis):
    from django_resque.jobs import definition as jobs
    from django_resque.jobs import registry

    def broken_backoff(attempt: int) -> float:
        raise ZeroDivisionError

    definition = jobs.Job(
        func=test_jobs.fail.func, name="tests.broken_backoff", retries=2, backoff=broken_backoff
    )
    registry.register(definition)
    try:
        raw = b'{"class":"tests.broken_backoff","args":["x"],"id":"b"}'
        outcome = perform(raw)
        assert not outcome.ok and outcome.retry_in is None
    finally:
        registry._registry.pop("tests.broken_backoff")
