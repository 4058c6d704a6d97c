"""Explicit job ids: .using(job_id=...) stores a call at most once, so a retry is safe."""

import os
import signal
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings

from django_resque import EnqueueError, EnqueueOutcomeUnknown, InvalidJob
from django_resque.jobs.payload import decode
from django_resque.queues import lists as queues
from tests import jobs as test_jobs
from tests.helpers import wait_until


def with_resque(**changes):
    return override_settings(RESQUE={**settings.RESQUE, **changes})


def test_a_call_with_an_explicit_id_carries_that_id_in_its_payload(redis):
    handle = test_jobs.add.using(job_id="invoice-7").delay(1, 2)
    assert handle.id == "invoice-7" and handle.enqueued
    assert decode(queues.peek("default")[0]).id == "invoice-7"


def test_a_second_enqueue_with_the_same_id_stores_nothing_and_says_so(redis):
    first = test_jobs.add.using(job_id="invoice-7").delay(1, 2)
    again = test_jobs.add.using(job_id="invoice-7").delay(1, 2)
    assert first.enqueued and not again.enqueued
    assert again.id == "invoice-7"
    assert queues.size("default") == 1


def test_a_delayed_call_with_a_seen_id_stores_nothing_either(redis):
    test_jobs.add.using(job_id="invoice-7").delay(1, 2)
    later = test_jobs.add.using(job_id="invoice-7").enqueue_in(timedelta(hours=1), 1, 2)
    assert not later.enqueued
    assert redis.zcard("resque:delayed_queue_schedule") == 0


def test_the_seen_id_is_kept_for_job_id_ttl_seconds(redis):
    with with_resque(JOB_ID_TTL=60):
        test_jobs.add.using(job_id="invoice-7").delay(1, 2)
    assert 55_000 < redis.pttl("resque:dj:seen:invoice-7") <= 60_000


def test_calls_without_an_explicit_id_take_no_seen_key(redis):
    test_jobs.add.delay(1, 2)
    test_jobs.add.delay(1, 2)
    assert queues.size("default") == 2
    assert redis.keys("resque:dj:seen:*") == []


@pytest.mark.parametrize("bad", ["", "has space", "x" * 101, 42, "a:b"])
def test_an_id_that_a_payload_cannot_carry_is_refused_at_the_call_site(bad):
    with pytest.raises(InvalidJob, match="letters, digits"):
        test_jobs.add.using(job_id=bad)


def test_a_unique_job_refuses_an_explicit_id_since_its_lock_already_deduplicates():
    with pytest.raises(InvalidJob, match="unique job"):
        test_jobs.unique_until_executed.using(job_id="x-1")


def test_enqueue_many_refuses_an_explicit_id_that_would_name_every_call():
    with pytest.raises(InvalidJob, match="names one call"):
        test_jobs.add.using(job_id="x-1").enqueue_many([(1, 2), (3, 4)])


def test_an_enqueue_redis_refused_is_an_enqueue_error_and_not_outcome_unknown():
    with (
        with_resque(REDIS_URL="redis://127.0.0.1:1/0", SOCKET_CONNECT_TIMEOUT=1),
        pytest.raises(EnqueueError) as info,
    ):
        test_jobs.add.using(job_id="x-1").delay(1, 2)
    assert not isinstance(info.value, EnqueueOutcomeUnknown)
    assert info.value.outcome_unknown is False


def test_a_lost_reply_is_outcome_unknown_and_a_retry_with_the_same_id_enqueues_once(
    redis, redis_server
):
    with with_resque(SOCKET_TIMEOUT=0.3):
        test_jobs.add.delay(0, 0)  # the script is loaded, a connection kept: the next call sends
        redis.delete("resque:queue:default")
        os.kill(redis_server.pid, signal.SIGSTOP)  # frozen: the command waits in the socket
        try:
            with pytest.raises(EnqueueOutcomeUnknown, match="same .using.job_id") as info:
                test_jobs.add.using(job_id="order-42").delay(1, 2)
        finally:
            os.kill(redis_server.pid, signal.SIGCONT)
        assert info.value.outcome_unknown is True
        retried = wait_until(lambda: _retry("order-42"))
    assert retried.id == "order-42" and not retried.enqueued  # the seen id refused the retry
    assert queues.size("default") == 1  # the first attempt's payload, stored exactly once
    assert decode(queues.peek("default")[0]).id == "order-42"


def _retry(job_id):
    try:
        return test_jobs.add.using(job_id=job_id).delay(1, 2)
    except EnqueueOutcomeUnknown:
        return None
