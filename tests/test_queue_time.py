"""Every payload django_resque pushes says when it became runnable: php-resque's `queue_time`."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from django_resque.failures import retries
from django_resque.jobs.bulk import Call
from django_resque.jobs.payload import decode
from django_resque.queues import delayed
from django_resque.scheduler import schedules
from django_resque.scheduler.loop import Scheduler
from tests import jobs as test_jobs

T0 = 1_800_000_000  # a whole minute


def queued(redis, queue="default"):
    return [json.loads(raw) for raw in redis.lrange(f"resque:queue:{queue}", 0, -1)]


def test_delay_and_enqueue_many_stamp_the_time_of_the_call(redis):
    before = time.time()
    test_jobs.add.delay(1, 2)
    test_jobs.add.enqueue_many([(3, 4), (5, 6)])
    stamps = [p["queue_time"] for p in queued(redis)]
    assert len(stamps) == 3 and all(before <= t <= time.time() for t in stamps)
    assert all(isinstance(t, float) for t in stamps)


def test_a_delayed_call_is_stamped_with_the_time_it_is_due(redis):
    handle = test_jobs.add.enqueue_in(timedelta(hours=1), 1, 2)
    (item,) = delayed.items_at(delayed.timestamps()[0][0])
    assert item["id"] == handle.id
    assert abs(item["queue_time"] - (time.time() + 3600)) < 60


def test_a_retry_is_stamped_with_the_time_its_next_attempt_is_due(redis):
    raw = b'{"class":"tests.jobs.add","args":[1,2],"id":"r1","queue_time":5.0}'
    nxt = decode(retries.next_attempt(raw, decode(raw), 1, due=T0 + 30))
    assert nxt.extras == {"queue_time": T0 + 30, "attempt": 2}


def test_a_schedule_firing_is_stamped_with_its_slot_and_a_trigger_with_now(redis):
    schedules.set("minutely", every=60, job="tests.jobs.add", catchup="all", max_catchup=3)
    scheduler = Scheduler(lease_seconds=30)
    scheduler.tick(now=T0)
    scheduler.tick(now=T0 + 150)  # two slots fired late
    assert [(p["slot"], p["queue_time"]) for p in queued(redis)] == [
        (T0, T0),
        (T0 + 60, T0 + 60),
        (T0 + 120, T0 + 120),
    ]


def test_a_group_callback_has_no_queue_time_as_it_waits_for_the_group(redis, ledger):
    queue, payload = Call((ledger, "done"), job=test_jobs.group_callback).as_callback()
    assert queue == "default" and "queue_time" not in json.loads(payload)


def test_enqueue_by_name_stays_byte_for_byte_rubys(redis):
    from django_resque import enqueue

    enqueue("Billing::Charge", 5)
    assert redis.lrange("resque:queue:default", 0, -1) == [
        b'{"class":"Billing::Charge","args":[5]}'
    ]
