"""Test mode (RESQUE["INLINE"]) and the helpers users' own tests call."""

from datetime import timedelta

import pytest
from django.db import transaction

from django_resque import testing
from django_resque.queues import lists as queues
from tests import jobs
from tests.models import Comment

pytest_plugins = ["django_resque.pytest_plugin"]


def test_inline_mode_performs_the_job_inside_delay(resque_inline, redis, ledger):
    handle = jobs.record.delay(ledger, "now")
    assert handle.id
    assert jobs.read_ledger(ledger)[0][0] == "now"
    assert redis.keys("*") == []


def test_inline_mode_performs_a_delayed_call_at_once(resque_inline, redis, ledger):
    jobs.record.enqueue_in(timedelta(hours=1), ledger, "later")
    assert jobs.read_ledger(ledger)[0][0] == "later"
    assert redis.keys("*") == []


def test_inline_mode_runs_a_job_as_its_first_attempt(resque_inline, ledger):
    assert jobs.flaky.delay(ledger, 1) is not None  # succeeds on attempt 1, as on a worker
    assert jobs.read_ledger(ledger) == [["flaky", "1"]]


def test_inline_mode_lets_the_job_exception_reach_the_caller(resque_inline):
    with pytest.raises(ValueError, match="boom"):
        jobs.fail.delay("boom")


@pytest.mark.django_db(transaction=True)
def test_inline_mode_still_waits_for_commit(resque_inline, ledger):
    with transaction.atomic():
        jobs.record.delay(ledger, "later")
        assert jobs.read_ledger(ledger) == []
    assert jobs.read_ledger(ledger)[0][0] == "later"


@pytest.mark.django_db
def test_inline_mode_fetches_model_arguments(resque_inline, settings):
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}
    comment = Comment.objects.create(body="a b c")
    comment.delay("recalculate_word_count")
    comment.refresh_from_db()
    assert comment.word_count == 3


def test_assert_enqueued_finds_a_job_by_its_arguments(resque):
    jobs.add.delay(1, 2, scale=3)
    payload = resque.assert_enqueued(jobs.add, 1, 2, scale=3)
    assert payload.job_name == "tests.jobs.add"
    resque.assert_not_enqueued(jobs.fail)
    with pytest.raises(AssertionError, match=r"found \[\(\[1, 2\], \{'scale': 3\}\)\]"):
        resque.assert_enqueued(jobs.add, 1, 2)


def test_enqueued_lists_payloads_by_queue_and_job(resque, ledger):
    jobs.record.delay(ledger, "a")
    jobs.record_high.delay(ledger, "b")
    assert [p.job_name for p in resque.enqueued(queue="high")] == ["tests.jobs.record_high"]
    assert len(resque.enqueued()) == 2
    assert len(resque.enqueued("tests.jobs.record")) == 1


def test_perform_enqueued_runs_everything_without_a_worker(resque, ledger, redis):
    jobs.record.delay(ledger, "a")
    jobs.record_low.delay(ledger, "b")
    outcomes = resque.perform_enqueued()
    assert [o.ok for o in outcomes] == [True, True]
    assert sorted(row[0] for row in jobs.read_ledger(ledger)) == ["a", "low"]
    assert resque.enqueued() == []


def test_perform_enqueued_marks_each_job_running_as_a_worker_would(resque, redis, ledger):
    handle = jobs.record.delay(ledger, "a")
    resque.perform_enqueued()
    info = handle.info()
    assert (info.status, info.attempts) == ("succeeded", 1)
    [worker_id] = info.worker_ids
    assert worker_id.endswith(":testing")
    assert redis.smembers("resque:workers") == set()  # the worker id is gone again


def test_perform_enqueued_skips_a_paused_queue_as_a_worker_does(resque, ledger):
    jobs.record_low.delay(ledger, "b")
    queues.pause("low")
    assert resque.perform_enqueued() == []
    queues.resume("low")
    assert len(resque.perform_enqueued()) == 1


def test_perform_enqueued_raises_when_a_job_failed_after_running_the_rest(resque, ledger):
    jobs.fail.delay("bad input")
    jobs.record.delay(ledger, "still-runs")
    with pytest.raises(testing.JobFailedError, match="ValueError: bad input"):
        resque.perform_enqueued()
    assert jobs.read_ledger(ledger)[0][0] == "still-runs"
    outcomes = testing.perform_enqueued(raise_failures=False)
    assert outcomes == []


@pytest.mark.django_db
def test_assert_enqueued_compares_model_instances_by_reference(resque, settings):
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}
    comment = Comment.objects.create(body="x")
    jobs.describe.delay(comment)
    resque.assert_enqueued(jobs.describe, comment)
    [outcome] = resque.perform_enqueued()
    assert outcome.result == f"Comment:{comment.pk}:x"
