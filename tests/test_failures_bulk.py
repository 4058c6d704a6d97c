"""Bulk retry/remove over 100,000+ records, and retry by id while failures keep arriving."""

from __future__ import annotations

import json
import os
import threading

import pytest

from django_resque.failures import registry as failures
from django_resque.failures.registry import FailureFilter
from django_resque.queues import lists as queues
from tests.failure_factory import fill

BULK = 400_000 if os.environ.get("RESQUE_CHAOS_FULL") else 100_000


@pytest.mark.one_leg
def test_retry_all_and_remove_all_with_filters_on_100000_records(redis):
    fill(redis, BULK)
    assert failures.count() == BULK
    q1 = FailureFilter(queue="q1")
    assert failures.count(q1) == BULK // 4
    assert failures.retry_all(q1) == BULK // 4
    assert queues.size("q1") == BULK // 4
    assert redis.llen("resque:failed") == failures.count() == BULK - BULK // 4
    assert failures.count(q1) == 0
    combined = FailureFilter(job_name="J2", exception="E0")  # n % 15 == 12
    expected = len([n for n in range(BULK) if n % 4 != 1 and n % 15 == 12])
    assert failures.count(combined) == expected
    assert failures.remove_all(combined) == expected
    remaining = BULK - BULK // 4 - expected
    assert redis.llen("resque:failed") == failures.count() == remaining
    assert redis.zcard("resque:dj:failed:gone") == 0
    for record in redis.lrange("resque:failed", 0, 2000):
        parsed = json.loads(record)
        assert parsed["queue"] != "q1"
        assert not (parsed["payload"]["class"] == "J2" and parsed["exception"] == "E0")
    newest = failures.page(limit=3)
    assert [f.args[0] for f in newest] == sorted(
        (n for n in range(BULK) if n % 4 != 1 and n % 15 != 12), reverse=True
    )[:3]


def test_retrying_by_id_while_new_failures_arrive_retries_exactly_that_job(redis):
    fill(redis, 2000)
    targets = failures.page(offset=100, limit=50)
    stop = threading.Event()

    def keep_failing() -> None:
        n = 10_000
        while not stop.is_set():
            fill(redis, 50, start=n, chunk=50)
            n += 50

    writer = threading.Thread(target=keep_failing)
    writer.start()
    try:
        for failure in targets:
            assert failures.retry(failure.id)
            assert failures.get(failure.id) is None
    finally:
        stop.set()
        writer.join()
    retried = sorted(
        json.loads(p)["args"][0] for q in ("q0", "q1", "q2", "q3") for p in queues.peek(q, 0, 1000)
    )
    assert retried == sorted(f.args[0] for f in targets)
    assert redis.llen("resque:failed") == failures.count() == redis.hlen("resque:dj:failed:data")
    assert all(failures.retry(f.id) is False for f in targets)


@pytest.mark.one_leg  # Redis and a worker process, not Django: one leg is enough
def test_a_single_retry_of_a_record_deep_in_a_long_list_is_swept_out_later(redis):
    fill(redis, 30_000)
    oldest = failures.page(offset=29_999, limit=1)[0]
    assert failures.remove(oldest.id)
    assert failures.count() == 29_999
    assert redis.zcard("resque:dj:failed:gone") == 1
    while failures.sweep_step() > 0:
        pass
    assert redis.llen("resque:failed") == 29_999
    assert all(json.loads(r)["id"] != oldest.id for r in redis.lrange("resque:failed", 0, 50))


@pytest.mark.one_leg  # Redis and a worker process, not Django: one leg is enough
def test_retry_by_id_under_a_real_worker_failing_jobs_retries_only_those_jobs(redis, start_worker):
    from collections import Counter

    from django_resque.results import stats, status
    from tests import jobs as test_jobs
    from tests.helpers import wait_until

    handles = [test_jobs.fail.delay(f"job-{n}") for n in range(60)]
    start_worker("--queues", "default")
    wait_until(lambda: failures.count() >= 15, timeout=60)
    chosen = failures.page(offset=5, limit=10)  # picked while the worker keeps failing others
    for failure in chosen:
        assert failures.retry(failure.id)
    wait_until(lambda: stats.get("processed") >= 70, timeout=90)  # every attempt performed
    wait_until(lambda: redis.llen("resque:failed") == 60 and failures.count() == 60, timeout=60)
    records = failures.page(limit=500)
    assert not {f.id for f in chosen} & {f.id for f in records}
    assert Counter(f.payload["id"] for f in records) == Counter(h.id for h in handles)
    retried = {f.payload["id"] for f in chosen}
    attempts = {h.id: status.get(h.id).attempts for h in handles}
    assert {job_id for job_id, n in attempts.items() if n == 2} == retried
    assert set(attempts.values()) == {1, 2}
