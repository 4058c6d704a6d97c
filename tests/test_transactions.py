"""Inside transaction.atomic() a .delay() is sent on commit and dropped on rollback."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from django_resque.exceptions import EnqueueError
from django_resque.queues import delayed
from tests import jobs

pytestmark = pytest.mark.django_db(transaction=True)


def size(redis, queue="default"):
    return redis.llen(f"resque:queue:{queue}")


def test_outside_a_transaction_delay_sends_at_once(redis):
    jobs.add.delay(1, 2)
    assert size(redis) == 1


def test_inside_atomic_the_payload_waits_for_commit_and_its_id_is_known(redis):
    with transaction.atomic():
        handle = jobs.add.delay(1, 2)
        assert handle.id
        assert size(redis) == 0
    assert size(redis) == 1
    assert handle.id.encode() in redis.lindex("resque:queue:default", 0)


def test_a_rolled_back_transaction_drops_the_payload(redis):
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.add.delay(1, 2)
        raise RuntimeError("roll back")
    assert size(redis) == 0


def test_a_rolled_back_savepoint_drops_only_its_own_payloads(redis):
    with transaction.atomic():
        jobs.add.delay(1, 1)
        with pytest.raises(RuntimeError), transaction.atomic():
            jobs.add.delay(2, 2)
            raise RuntimeError("inner")
    assert size(redis) == 1


def test_per_call_opt_out_sends_inside_a_transaction(redis):
    with transaction.atomic():
        jobs.add.using(on_commit=False).delay(1, 2)
        assert size(redis) == 1


def test_global_opt_out_sends_inside_a_transaction(redis, settings):
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}
    with transaction.atomic():
        jobs.add.delay(1, 2)
        assert size(redis) == 1


def test_per_call_opt_in_wins_over_the_global_opt_out(redis, settings):
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}
    with transaction.atomic():
        jobs.add.using(on_commit=True).delay(1, 2)
        assert size(redis) == 0
    assert size(redis) == 1


def test_a_transaction_on_another_database_alias_does_not_delay_the_payload(redis):
    with transaction.atomic(using="default"):
        jobs.add.using(database="other").delay(1, 2)
        assert size(redis) == 1


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_the_payload_waits_for_the_transaction_of_the_alias_it_names(redis):
    with transaction.atomic(using="other"):
        jobs.add.using(database="other").delay(1, 2)
        jobs.add.delay(3, 4)
        assert size(redis) == 1
    assert size(redis) == 2


def test_redis_down_at_commit_is_logged_and_raised(settings, caplog):
    with (
        caplog.at_level(logging.ERROR, logger="django_resque"),
        pytest.raises(EnqueueError),
        transaction.atomic(),
    ):
        jobs.add.delay(1, 2)
        settings.RESQUE = {**settings.RESQUE, "REDIS_URL": "redis://127.0.0.1:1/0"}
    assert "event=enqueue-on-commit-failed job=tests.jobs.add id=" in caplog.text


def test_enqueue_at_inside_a_transaction_is_stored_on_commit_and_dropped_on_rollback(redis):
    later = timezone.now() + timedelta(hours=1)
    with transaction.atomic():
        jobs.add.enqueue_at(later, 1, 2)
        assert delayed.count() == 0
    assert delayed.count() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.add.enqueue_in(timedelta(hours=1), 3, 4)
        raise RuntimeError
    assert delayed.count() == 1
