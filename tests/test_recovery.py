"""Recovery against the real Redis: what prune does with dead, foreign and fenced workers."""

import json

import pytest

from django_resque.queues import lists as queues
from django_resque.storage.clock import redis_now
from django_resque.worker import recovery
from django_resque.worker.heartbeat import Pruned
from django_resque.worker.loop import Worker
from django_resque.worker.registration import register

ODD_PAYLOAD = b'{"class":"tests.jobs.record", "args":["x","\xc3\xa9 / \\u00e9"],"zz":1}'
OLD = "2000-01-01T00:00:00Z"


def reserved_worker(redis, payload=ODD_PAYLOAD, queue="default"):
    """A worker registered in Redis that reserved `payload` with the real script, then 'died'."""
    redis.rpush(f"resque:queue:{queue}", b'{"class":"tests.jobs.record","args":["later"]}')
    redis.lpush(f"resque:queue:{queue}", payload)
    worker = Worker([queue])
    register(worker.id, worker.slot.token)
    assert worker.reserve() == (queue, payload)
    redis.hset("resque:workers:heartbeat", worker.id, OLD)
    return worker


def test_a_dead_workers_payload_goes_back_to_the_head_byte_for_byte(redis):
    worker = reserved_worker(redis)
    assert recovery.prune("someone-else") == 1
    assert redis.lrange("resque:queue:default", 0, 0) == [ODD_PAYLOAD]
    assert redis.llen("resque:queue:default") == 2
    assert not redis.exists(f"resque:worker:{worker.id}")
    assert not redis.sismember("resque:workers", worker.id)
    assert not redis.hexists("resque:workers:heartbeat", worker.id)
    assert redis.llen("resque:dj:wake:default") >= 1  # an idle worker wakes for it


def test_a_live_worker_is_never_pruned_even_if_its_heartbeat_changes_during_prune(redis):
    worker = reserved_worker(redis)
    redis.hset("resque:workers:heartbeat", worker.id, "2099-01-01T00:00:00Z")
    assert recovery.prune("someone-else") == 0
    assert not recovery.recover_dead(worker.id, OLD.encode(), now=redis_now())
    assert redis.exists(f"resque:worker:{worker.id}")
    assert redis.llen("resque:queue:default") == 1


def test_a_pruned_worker_that_comes_back_is_fenced_out_and_re_registers(redis):
    worker = reserved_worker(redis)
    recovery.prune("someone-else")
    with pytest.raises(Pruned):
        worker.reserve()
    with pytest.raises(Pruned):
        worker.slot.heartbeat.beat()
    assert redis.get("resque:stat:processed") is None  # its finished job is not counted twice
    worker._reborn()
    assert redis.sismember("resque:workers", worker.id)
    assert worker.reserve() == ("default", ODD_PAYLOAD)


def test_a_reserve_whose_reply_was_lost_is_put_back_before_reserving_again(redis):
    worker = reserved_worker(redis)
    worker.slot.reclaim = True  # as if the reply to that reserve never arrived
    assert worker.reserve() == ("default", ODD_PAYLOAD)
    assert redis.lrange("resque:queue:default", 0, -1) == [
        b'{"class":"tests.jobs.record","args":["later"]}'
    ]


def test_a_foreign_record_is_requeued_from_its_json(redis):
    wid = "node1:7:default"
    record = {"run_at": "Fri Dec 12 2014", "queue": "default", "worker": "node1:7",
              "payload": {"class": "Emailer", "args": ["a@b", "é"]}}  # fmt: skip
    redis.sadd("resque:workers", wid)
    redis.set(f"resque:worker:{wid}", json.dumps(record))
    redis.hset("resque:workers:heartbeat", wid, "2000-01-01T00:00:00+00:00")
    assert recovery.prune("me") == 1
    assert json.loads(redis.lindex("resque:queue:default", 0)) == record["payload"]


def test_an_at_most_once_job_of_a_dead_worker_becomes_a_failure(redis):
    payload = b'{"class":"tests.jobs.slow_once","args":["l","t",1]}'
    worker = reserved_worker(redis, payload)
    recovery.prune("me")
    assert redis.llen("resque:queue:default") == 1  # only "later"
    failure = json.loads(redis.lindex("resque:failed", 0))
    assert failure["exception"] == "PruneDeadWorkerDirtyExit"
    assert "at most once" in failure["error"] and failure["worker"] == worker.id
    assert failure["payload"] == json.loads(payload)


def test_a_payload_recovered_too_often_is_failed_as_a_poison_pill(redis, settings):
    settings.RESQUE = {**settings.RESQUE, "MAX_RECOVERIES": 2}
    for _ in range(2):
        reserved_worker(redis)
        recovery.prune("me")
        assert redis.lindex("resque:queue:default", 0) == ODD_PAYLOAD
        redis.delete("resque:queue:default")
    reserved_worker(redis)
    recovery.prune("me")
    assert redis.lrange("resque:queue:default", 0, -1) == [
        b'{"class":"tests.jobs.record","args":["later"]}'
    ]
    failure = json.loads(redis.lindex("resque:failed", 0))
    assert "recovered 2 times" in failure["error"]


def test_an_idle_dead_worker_is_just_unregistered_and_silent_ones_are_left_alone(redis):
    redis.sadd("resque:workers", "gone:1:default", "php:2:default")
    redis.hset("resque:workers:heartbeat", "gone:1:default", OLD)
    assert recovery.prune("me") == 1
    assert redis.smembers("resque:workers") == {b"php:2:default"}


def test_queues_can_be_paused_one_by_one(redis):
    queues.pause("emails")
    queues.pause("low")
    assert queues.paused() == ["emails", "low"]
    queues.resume("emails")
    assert queues.paused() == ["low"]


def test_a_new_worker_waits_for_a_live_holder_of_its_id_and_recovers_a_dead_ones_job(redis):
    """A reused pid (container restart): the id repeats, the live one is never pruned."""
    import threading

    from django_resque.worker.os_signals import Signals
    from django_resque.worker.registration import claim_id

    predecessor = reserved_worker(redis)
    redis.hset("resque:workers:heartbeat", predecessor.id, "2099-01-01T00:00:00Z")  # alive
    claimed = threading.Event()
    thread = threading.Thread(
        target=lambda: (claim_id(predecessor.id, 0.05, Signals(10)), claimed.set())
    )
    thread.start()
    assert not claimed.wait(0.5)  # it waits while the holder heartbeats
    assert redis.exists(f"resque:worker:{predecessor.id}")
    redis.hset("resque:workers:heartbeat", predecessor.id, OLD)  # the holder died
    thread.join(20)
    assert claimed.is_set()
    assert redis.lindex("resque:queue:default", 0) == ODD_PAYLOAD
    assert not redis.exists(f"resque:worker:{predecessor.id}")


def test_a_ruby_worker_is_judged_by_rubys_own_prune_interval(redis):
    """Ruby heartbeats once a minute: a 40 s old heartbeat is alive, a 10 minute old one dead."""
    from datetime import timedelta

    now = redis_now()
    for wid, age in (("ruby1:1:default", 40), ("ruby2:2:default", 600)):
        redis.sadd("resque:workers", wid)
        redis.hset("resque:workers:heartbeat", wid, (now - timedelta(seconds=age)).isoformat())
    assert recovery.prune("me") == 1
    assert redis.smembers("resque:workers") == {b"ruby1:1:default"}


def test_a_worker_stopped_while_its_id_is_in_use_never_touches_the_live_holder(redis):
    from django_resque.exceptions import WorkerIdInUse
    from django_resque.worker.os_signals import Signals
    from django_resque.worker.registration import claim_id

    holder = reserved_worker(redis)
    redis.hset("resque:workers:heartbeat", holder.id, "2099-01-01T00:00:00Z")
    stopping = Signals(10)
    stopping.quit = True
    with pytest.raises(WorkerIdInUse):
        claim_id(holder.id, 0.05, stopping)
    assert redis.exists(f"resque:worker:{holder.id}")


def test_heartbeats_are_redis_time_in_iso_8601(redis):
    from django_resque.monitoring.workers import parse_time

    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    worker.slot.heartbeat.beat()
    written = parse_time(redis.hget("resque:workers:heartbeat", worker.id))
    assert written is not None and abs((redis_now() - written).total_seconds()) < 5


def test_a_finished_jobs_record_left_by_a_reserve_that_never_ran_is_not_run_again(redis):
    finished = b'{"class":"tests.jobs.add","args":[1,2],"id":"a1"}'
    worker = reserved_worker(redis, payload=finished)
    worker.executor.fork = False
    worker.process("default", finished)  # performed and recorded; its record stays until...
    assert redis.exists(f"resque:worker:{worker.id}")
    worker.slot.reclaim = True  # ...the next reserve failed before its script ran (a Redis blip)
    assert worker.reserve() == ("default", b'{"class":"tests.jobs.record","args":["later"]}')
    assert redis.llen("resque:queue:default") == 0  # the finished job did not go back


def test_a_finished_job_without_an_id_is_not_run_again_after_a_reserve_that_never_ran(redis):
    finished = b'{"class":"tests.jobs.add","args":[1,2]}'  # as Ruby's Resque enqueues it
    worker = reserved_worker(redis, payload=finished)
    worker.executor.fork = False
    worker.process("default", finished)
    worker.slot.reclaim = True  # the next reserve failed before its script ran
    assert worker.reserve() == ("default", b'{"class":"tests.jobs.record","args":["later"]}')
    assert redis.llen("resque:queue:default") == 0
    worker.reserve()
    assert redis.get("resque:stat:processed") == b"1"  # counted once, by that next reserve


def test_the_record_of_a_job_taken_after_the_finished_one_still_goes_back(redis):
    next_job = b'{"class":"tests.jobs.add","args":[3,4],"id":"b2"}'
    worker = reserved_worker(redis, payload=next_job)
    worker.slot.finished_raw = b'{"class":"tests.jobs.add","args":[1,2],"id":"a1"}'  # the job
    # before this one; the lost reply was this one's
    worker.slot.reclaim = True
    assert worker.reserve() == ("default", next_job)


def test_a_payload_that_crashes_the_worker_outside_the_job_is_failed_after_max_recoveries(
    redis, work_here, monkeypatch
):
    from django_resque.worker import loop

    def title_that_chokes(text: str) -> None:  # a fault outside the job boundary
        if text.startswith("Processing"):
            raise ValueError("setproctitle choked on a name")

    monkeypatch.setattr(loop.Worker, "_title", staticmethod(title_that_chokes))
    poison = b'{"class":"tests.jobs.add","args":[1,2],"id":"p1"}'
    redis.rpush("resque:queue:default", poison)
    for _ in range(2):
        with pytest.raises(ValueError, match="choked"):
            work_here("default", fork=False, MAX_RECOVERIES=2)
        assert redis.lrange("resque:queue:default", 0, -1) == [poison]  # back, and counted
    with pytest.raises(ValueError, match="choked"):
        work_here("default", fork=False, MAX_RECOVERIES=2)
    assert redis.llen("resque:queue:default") == 0
    (record,) = [json.loads(r) for r in redis.lrange("resque:failed", 0, -1)]
    assert record["exception"] == "PruneDeadWorkerDirtyExit"
    assert "recovered 2 times already (MAX_RECOVERIES=2)" in record["error"]


def test_a_registration_gone_before_the_first_beat_is_made_again(redis):
    """As when Redis is flushed between a worker's register and its first heartbeat."""
    from django_resque.storage import health
    from django_resque.storage.keys import get_keys
    from django_resque.worker.heartbeat import Heartbeat
    from django_resque.worker.os_signals import Signals
    from django_resque.worker.slot import Slot

    slot = Slot("host:1:default", ["default"], 0.2, get_keys())
    slot.heartbeat = Heartbeat(slot.id, "a-token-redis-never-saw")  # its first beat is refused
    slot.register(Signals(shutdown_timeout=1.0), health.run_id())
    assert redis.hget("resque:dj:incarnations", slot.id) == slot.token.encode()
    assert redis.sismember("resque:workers", slot.id)
