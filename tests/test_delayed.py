"""Delayed jobs: resque-scheduler's layout byte for byte, and atomic promotion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from django_resque import testing
from django_resque.exceptions import EnqueueError, InvalidJob
from django_resque.queues import delayed
from django_resque.queues.promotion import LeaseLost, promote
from django_resque.scheduler import promotion
from tests import jobs

WHEN = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
TS = int(WHEN.timestamp())


def test_enqueue_at_by_name_writes_exactly_what_ruby_resque_scheduler_writes(redis):
    # Ruby: Resque.enqueue_at_with_queue("mail", Time.at(TS), Emailer, "a@b.c", 1)
    delayed.enqueue_at(WHEN, "Emailer", "a@b.c", 1, queue="mail")
    item = b'{"class":"Emailer","args":["a@b.c",1],"queue":"mail"}'
    assert redis.lrange(f"resque:delayed:{TS}", 0, -1) == [item]
    assert redis.smembers(b"resque:timestamps:" + item) == {f"delayed:{TS}".encode()}
    assert redis.zrange("resque:delayed_queue_schedule", 0, -1, withscores=True) == [
        (str(TS).encode(), float(TS))
    ]


def test_a_job_call_stores_rubys_keys_first_then_kwargs_and_id(redis):
    handle = jobs.add.enqueue_at(WHEN, 1, 2, scale=3)
    (raw,) = redis.lrange(f"resque:delayed:{TS}", 0, -1)
    assert raw.decode() == (
        '{"class":"tests.jobs.add","args":[1,2],"queue":"default","kwargs":{"scale":3},'
        f'"id":"{handle.id}","queue_time":{TS}}}'  # when it is due: waits count from then
    )
    assert delayed.count() == 1
    assert delayed.timestamps() == [(WHEN, 1)]
    assert delayed.items_at(WHEN)[0]["kwargs"] == {"scale": 3}


def test_a_naive_datetime_is_refused_with_a_sentence_when_use_tz_is_on(redis):
    with pytest.raises(InvalidJob, match="naive datetime"):
        jobs.add.enqueue_at(datetime(2030, 1, 1), 1, 2)
    assert delayed.count() == 0


@override_settings(USE_TZ=False, TIME_ZONE="UTC")
def test_a_naive_datetime_is_read_in_time_zone_when_use_tz_is_off(redis):
    jobs.add.enqueue_at(datetime(2030, 1, 2, 3, 4, 5), 1, 2)
    assert delayed.timestamps() == [(WHEN, 1)]


def test_enqueue_in_stores_the_call_for_later_and_a_past_time_enqueues_now(redis):
    jobs.add.enqueue_in(timedelta(hours=1), 1, 2)
    assert delayed.count() == 1
    jobs.add.enqueue_at(timezone.now() - timedelta(seconds=5), 1, 2)
    assert redis.llen("resque:queue:default") == 1
    with pytest.raises(InvalidJob, match="timedelta"):
        jobs.add.enqueue_in(60, 1, 2)


def test_promotion_pushes_rubys_plain_payload_and_cleans_every_index(redis):
    delayed.enqueue_at(WHEN, "Emailer", "x", queue="mail")
    handle = jobs.add.enqueue_at(WHEN, 1, 2)
    assert promotion.promote_due(TS, lease="") == 2
    assert redis.lrange("resque:queue:mail", 0, -1) == [b'{"class":"Emailer","args":["x"]}']
    assert redis.lrange("resque:queue:default", 0, -1) == [
        f'{{"class":"tests.jobs.add","args":[1,2],"id":"{handle.id}","queue_time":{TS}}}'.encode()
    ]
    assert redis.smembers("resque:queues") == {b"mail", b"default"}
    assert redis.keys("resque:timestamps:*") == []
    assert redis.keys("resque:delayed*") == []


def test_a_node_resque_item_is_promoted_with_rubys_key_order(redis):
    # node-resque queue.enqueueAt writes {"class","queue","args"} and the same indexes.
    item = '{"class":"NodeJob","queue":"q1","args":[1,{"a":"é"}]}'
    redis.rpush(f"resque:delayed:{TS}", item)
    redis.sadd(f"resque:timestamps:{item}", f"delayed:{TS}")
    redis.zadd("resque:delayed_queue_schedule", {str(TS): TS})
    assert promotion.promote_due(TS + 10, lease="") == 1
    assert redis.lrange("resque:queue:q1", 0, -1) == [
        '{"class":"NodeJob","args":[1,{"a":"é"}]}'.encode()
    ]
    assert redis.keys("resque:timestamps:*") == []


def test_items_not_yet_due_stay_and_an_unparseable_item_is_passed_on_not_lost(redis):
    redis.rpush(f"resque:delayed:{TS}", b"not json")
    redis.zadd("resque:delayed_queue_schedule", {str(TS): TS})
    jobs.add.enqueue_at(WHEN + timedelta(seconds=1), 1, 2)
    assert promotion.promote_due(TS, lease="") == 1
    assert redis.lrange("resque:queue:default", 0, -1) == [b"not json"]
    assert delayed.count() == 1


def test_a_stale_lease_promotes_nothing(redis):
    jobs.add.enqueue_at(WHEN, 1, 2)
    redis.set("resque:dj:scheduler:leader", "other:1:7")
    with pytest.raises(LeaseLost):
        promotion.promote_due(TS, lease="me:1:6")
    assert delayed.count() == 1


def test_remove_by_args_remove_job_remove_at_enqueue_now_and_clear(redis):
    delayed.enqueue_at(WHEN, "Emailer", "x", queue="mail")
    delayed.enqueue_at(WHEN, "Emailer", "x", queue="mail")
    delayed.enqueue_at(WHEN, "Emailer", "y", queue="mail")
    jobs.add.enqueue_at(WHEN + timedelta(hours=1), 1, 2)
    jobs.add.enqueue_at(WHEN + timedelta(hours=2), 3, 4)
    assert delayed.remove("Emailer", "x") == 2
    assert redis.smembers('resque:timestamps:{"class":"Emailer","args":["y"],"queue":"mail"}')
    assert delayed.remove_job("tests.jobs.add") == 2
    assert delayed.count() == 1
    assert delayed.enqueue_now(WHEN) == 1
    assert redis.llen("resque:queue:mail") == 1
    jobs.add.enqueue_at(WHEN, 1, 2)
    jobs.add.enqueue_at(WHEN + timedelta(days=1), 1, 2)
    assert delayed.remove_at(WHEN) == 1
    assert delayed.clear() == 1
    assert redis.keys("resque:delayed*") == [] and redis.keys("resque:timestamps:*") == []


def test_duplicate_items_keep_their_index_until_the_last_copy_leaves(redis):
    delayed.enqueue_at(WHEN, "Emailer", "x")
    delayed.enqueue_at(WHEN, "Emailer", "x")
    raw = redis.lindex(f"resque:delayed:{TS}", 0)
    promote(TS, [raw], lease="")
    assert redis.smembers(b"resque:timestamps:" + raw) == {f"delayed:{TS}".encode()}
    promote(TS, [raw], lease="")
    assert redis.exists(b"resque:timestamps:" + raw) == 0
    assert redis.llen("resque:queue:default") == 2


def test_enqueue_at_by_name_for_a_past_time_enqueues_now_as_ruby_does(redis):
    delayed.enqueue_at(timezone.now() - timedelta(seconds=1), "Emailer", "x")
    assert redis.lrange("resque:queue:default", 0, -1) == [b'{"class":"Emailer","args":["x"]}']
    assert delayed.count() == 0


def test_an_oversized_delayed_item_is_refused_and_nothing_is_stored(redis, settings):
    settings.RESQUE = {**settings.RESQUE, "MAX_PAYLOAD_BYTES": 100}
    with pytest.raises(EnqueueError, match="MAX_PAYLOAD_BYTES"):
        jobs.add.enqueue_at(WHEN, "x" * 200, 2)
    assert redis.keys("*") == []


def test_scheduled_at_and_enqueue_job_now_find_a_job_by_its_args(redis):
    jobs.add.enqueue_at(WHEN, 1, 2)
    jobs.add.enqueue_at(WHEN + timedelta(hours=1), 1, 2)
    jobs.add.enqueue_at(WHEN, 5, 6)
    assert delayed.scheduled_at("tests.jobs.add", 1, 2) == [WHEN, WHEN + timedelta(hours=1)]
    assert delayed.timestamp_count() == 2
    assert delayed.enqueue_job_now("tests.jobs.add", 1, 2) == 2
    assert redis.llen("resque:queue:default") == 2
    assert delayed.count() == 1 and delayed.timestamp_count() == 1


def test_a_delayed_job_call_is_scheduled_then_queued_then_followed_to_its_result(redis):
    handle = jobs.add.enqueue_in(timedelta(hours=1), 1, 2)
    scheduled = handle.info()
    assert scheduled.status == "scheduled" and scheduled.queue == "default"
    assert scheduled.enqueued_at
    when = delayed.scheduled_at("tests.jobs.add", 1, 2)[0]
    assert delayed.enqueue_now(when) == 1  # what the scheduler does when it is due
    assert handle.status == "queued"
    testing.perform_enqueued()
    assert handle.wait(timeout=5).status == "succeeded" and handle.result == 3


def test_a_delayed_call_of_a_job_without_results_writes_no_status(redis):
    handle = jobs.no_result.enqueue_in(timedelta(hours=1), "ledger")
    assert handle.status is None and delayed.count() == 1
