"""Automatic retries: backoff, give-up, attempts in the payload, with a real worker only.

The worker runs in this process (work_here); with `until`, it runs as `resque_work` without
--burst does, so it is the worker that moves due retries back onto their queues.
"""

from __future__ import annotations

import json
import random

import pytest

from django_resque.exceptions import InvalidJob
from django_resque.failures import registry as failures
from django_resque.failures import retries
from django_resque.jobs import definition as jobs
from django_resque.jobs.payload import decode
from django_resque.results import stats, status
from tests import jobs as test_jobs


def _failed_records(redis):
    return [json.loads(r) for r in redis.lrange("resque:failed", 0, -1)]


def test_a_flaky_job_succeeds_on_a_later_attempt_with_only_a_worker_running(
    redis, ledger, work_here
):
    handle = test_jobs.flaky.delay(ledger, 3)
    work_here("default", until=lambda: handle.status in ("succeeded", "failed"))
    final = handle.wait(timeout=60)
    assert final is not None and final.status == "succeeded", final
    assert final.result == 3 and final.attempts == 3
    assert [row[1] for row in test_jobs.read_ledger(ledger)] == ["1", "2", "3"]
    assert [e["exception"] for e in final.errors] == ["ConnectionError", "ConnectionError"]
    assert redis.llen("resque:failed") == 0
    assert stats.get("retried") == 2


def test_after_the_last_attempt_the_job_lands_in_the_failed_list_with_its_attempt_count(
    redis, ledger, work_here
):
    handle = test_jobs.always_fails.delay(ledger)
    work_here("default", until=lambda: redis.llen("resque:failed") == 1)
    [record] = _failed_records(redis)
    assert record["attempts"] == 3 and record["exception"] == "TimeoutError"
    assert record["payload"]["attempt"] == 3 and record["payload"]["id"] == handle.id
    assert handle.status == "failed"
    assert len(test_jobs.read_ledger(ledger)) == 3
    assert stats.get("failed") == 1 and stats.get("retried") == 2


def test_give_up_on_and_retry_on_end_a_job_at_its_first_failure(redis, ledger, work_here):
    test_jobs.gives_up.delay(ledger)
    test_jobs.not_retried.delay(ledger)
    work_here("default")  # a burst: neither is retried, so nothing waits for a later attempt
    assert sorted(r["exception"] for r in _failed_records(redis)) == ["KeyError", "ValueError"]
    assert {r["attempts"] for r in _failed_records(redis)} == {1}
    assert retries.pending() == 0 and stats.get("retried") == 0


def test_a_child_that_dies_is_retried_and_on_failure_runs_once_per_failed_attempt(
    redis, ledger, work_here
):
    handle = test_jobs.dies_once.delay(ledger)
    dying = test_jobs.dies_always.delay(ledger)
    work_here("default", until=lambda: handle.status == "succeeded" and dying.status == "failed")
    assert handle.wait(timeout=60).result == "survived"
    [record] = _failed_records(redis)
    assert record["exception"] == "DirtyExit" and record["attempts"] == 2
    assert [row for row in test_jobs.read_ledger(ledger) if row[0] == "on_failure"] == [
        ["on_failure"],
        ["on_failure"],
    ]


def test_a_waiting_retry_is_moved_to_its_queue_only_when_due(redis):
    payload = b'{"class":"tests.jobs.add","args":[1,2],"id":"x","attempt":2}'
    redis.zadd("resque:dj:retry", {retries.member("low", payload): 1000.0})
    assert retries.promote_due(now=999.0) == 0
    assert retries.promote_due(now=1000.0) == 1
    assert redis.lrange("resque:queue:low", 0, -1) == [payload]
    assert redis.sismember("resque:queues", "low")
    assert retries.promote_due(now=2000.0) == 0


def test_the_next_attempt_carries_its_number_after_class_and_args():
    raw = b'{"class":"tests.jobs.add","args":[1],"id":"abc"}'
    nxt = retries.next_attempt(raw, decode(raw), 1)
    assert nxt == b'{"class":"tests.jobs.add","args":[1],"id":"abc","attempt":2}'
    assert retries.attempt_of(decode(nxt)) == 2


def test_default_backoff_doubles_with_jitter_and_is_capped():
    random.seed(5)
    for attempt in range(1, 15):
        ceiling = min(retries.BACKOFF_CAP, retries.BACKOFF_BASE * 2 ** (attempt - 1))
        assert ceiling / 2 <= retries.default_backoff(attempt) <= ceiling


def test_a_custom_backoff_sets_the_due_time():
    definition = jobs.Job(func=len, name="custom.backoff", retries=3, backoff=lambda a: 10 * a)
    assert retries.delay_after(definition, 1, ValueError()) == 10
    assert retries.delay_after(definition, 3, ValueError()) == 30
    assert retries.delay_after(definition, 4, ValueError()) is None


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"retries": -1}, "whole number of retries"),
        ({"retries": "5"}, "whole number of retries"),
        ({"retry_on": ("ValueError",)}, "pass exception classes"),
        ({"give_up_on": 3}, "pass exception classes"),
        ({"backoff": 5}, "function of the attempt number"),
        ({"on_failure": "log"}, "pass a function"),
        ({"store_result": "yes"}, "True or False"),
        ({"retires": 3}, "unknown option"),
    ],
)
def test_bad_retry_options_are_refused_at_decoration_with_a_sentence(options, says):
    with pytest.raises(InvalidJob, match=says):
        jobs.job(name="bad.options", **options)(len)


def test_a_retry_of_a_failure_by_id_runs_the_job_again(redis, ledger, work_here):
    handle = test_jobs.gives_up.delay(ledger)
    work_here("default", until=lambda: failures.count() == 1)
    [failure] = failures.page()
    assert failures.retry(failure.id)
    work_here(
        "default",
        until=lambda: failures.count() == 1 and len(test_jobs.read_ledger(ledger)) == 2,
    )
    assert failures.page()[0].id != failure.id
    assert status.get(handle.id).status == "failed"


def test_a_due_retry_goes_to_the_head_of_its_queue_not_behind_the_backlog(redis):
    backlog = [f'{{"class":"tests.jobs.add","args":[{i},0]}}'.encode() for i in range(50)]
    redis.rpush("resque:queue:default", *backlog)
    for i, due in ((1, 1001.0), (2, 1000.0)):  # two retries; the second was due first
        retry = f'{{"class":"tests.jobs.add","args":[{i},{i}],"attempt":2}}'.encode()
        redis.zadd("resque:dj:retry", {b"default\n" + retry: due})
    assert retries.promote_due(now=1001.0) == 2
    head = redis.lrange("resque:queue:default", 0, 1)
    assert head == [
        b'{"class":"tests.jobs.add","args":[2,2],"attempt":2}',
        b'{"class":"tests.jobs.add","args":[1,1],"attempt":2}',
    ]
    assert redis.lrange("resque:queue:default", 2, -1) == backlog
