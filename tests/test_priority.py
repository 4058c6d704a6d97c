"""Priority ordering within one queue (django.tasks' -100..100), by the queue and a worker."""

import json

import pytest

from django_resque import testing
from django_resque.exceptions import InvalidJob
from django_resque.queues import lists as queues
from django_resque.queues import priority
from tests import jobs

# (token, priority) in enqueue order, and the order they must run in.
ENQUEUED = [("z1", 0), ("n5", -5), ("p10", 10), ("z2", 0), ("p50", 50), ("n1", -1), ("p10b", 10)]
EXPECTED = ["p50", "p10", "p10b", "z1", "z2", "n1", "n5"]


def push_all(ledger):
    for token, prio in ENQUEUED:
        encoded = jobs.record.payload((ledger, token), {}).encode()
        priority.push("default", encoded, prio)


def test_take_honours_priority_then_arrival_order(redis, ledger):
    push_all(ledger)
    taken = []
    while (raw := priority.take("default")) is not None:
        taken.append(json.loads(raw)["args"][1])
    assert taken == EXPECTED
    assert redis.zcard("resque:dj:priority:default") == 0


def test_the_resque_list_holds_only_plain_payloads_that_any_resque_worker_can_run(redis, ledger):
    push_all(ledger)
    listed = [json.loads(raw) for raw in redis.lrange("resque:queue:default", 0, -1)]
    assert [p["args"][1] for p in listed] == ["z1", "z2"]  # no markers for Ruby or PHP to take
    assert all(p["class"] == "tests.jobs.record" for p in listed)
    assert queues.size("default") == len(ENQUEUED)  # the queue's size counts them all
    assert queues.sizes(["default"]) == {"default": len(ENQUEUED)}
    assert redis.llen("resque:dj:wake:default") == len(ENQUEUED)  # each wakes a worker


def test_slot_markers_an_older_version_left_in_a_list_are_skipped_in_order(redis, ledger):
    push_all(ledger)
    for _ in range(3):  # as older versions stood a marker in the list for each ranked payload
        redis.lpush("resque:queue:default", priority.PRIORITY_SLOT)
    redis.rpush("resque:queue:default", priority.PRIORITY_SLOT)
    taken = [json.loads(r)["args"][1] for r in iter(lambda: priority.take("default"), None)]
    assert taken == EXPECTED
    assert redis.llen("resque:queue:default") == 0


def test_plain_payloads_are_pushed_exactly_as_resque_does(redis, ledger):
    priority.push("default", jobs.record.payload((ledger, "a"), {}).encode(), 0)
    assert not redis.exists("resque:dj:priority:default")
    assert json.loads(redis.lindex("resque:queue:default", 0))["args"] == [ledger, "a"]


@pytest.mark.parametrize("fork", [True, False])
def test_a_real_worker_runs_prioritised_payloads_in_order(redis, ledger, fork, work_here):
    push_all(ledger)
    work_here("default", fork=fork)
    assert [row[0] for row in jobs.read_ledger(ledger)] == EXPECTED
    assert redis.llen("resque:failed") == 0


def test_a_slot_whose_payload_is_gone_is_skipped(redis, ledger):
    push_all(ledger)
    redis.delete("resque:dj:priority:default")
    assert [json.loads(r)["args"][1] for r in iter(lambda: priority.take("default"), None)] == [
        "z1",
        "z2",
    ]


@pytest.mark.parametrize("bad", [101, -101, 1.5, True])
def test_priorities_outside_the_range_are_refused(redis, bad):
    with pytest.raises(InvalidJob):
        priority.push("default", '{"class":"x","args":[]}', bad)
    assert testing.enqueued() == []


def test_testing_lists_prioritised_payloads_in_the_order_workers_take_them(redis, ledger):
    push_all(ledger)
    assert [p.args[1] for p in testing.enqueued(queue="default")] == EXPECTED


def test_orphaned_slot_markers_never_starve_the_prioritised_payloads(redis, ledger, work_here):
    priority.push("default", jobs.record.payload((ledger, "neg"), {}).encode(), -5)
    redis.rpush("resque:queue:default", priority.PRIORITY_SLOT, priority.PRIORITY_SLOT)
    taken = [json.loads(raw)["args"][1] for raw in iter(lambda: priority.take("default"), None)]
    assert taken == ["neg"]
    work_here("default")
    priority.push("default", jobs.record.payload((ledger, "neg2"), {}).encode(), -5)
    redis.rpush("resque:queue:default", priority.PRIORITY_SLOT)
    work_here("default")
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["neg2"]
    assert redis.llen("resque:queue:default") == 0
