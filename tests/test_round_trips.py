"""Round trips on hot paths: `.delay()` with its status and a worker's reserve are one call each.

Counted with MONITOR on the test Redis: commands a client sent, apart from those a Lua script ran
(MONITOR tags them `lua`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_py

from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload, decode
from django_resque.metrics import recording
from django_resque.queues import priority
from django_resque.results import status
from django_resque.storage import scripts
from django_resque.worker.heartbeat import Pruned
from django_resque.worker.loop import Worker
from django_resque.worker.registration import register
from tests import jobs as test_jobs
from tests.helpers import sampling

_MARK = "round-trips-done"


def client_commands(redis: Any, action: Callable[[], object]) -> list[str]:
    """Run `action` and return the commands clients sent meanwhile (Lua's own left out)."""
    seen: list[str] = []
    kwargs = redis.connection_pool.connection_kwargs
    marker = redis_py.Redis(host=kwargs["host"], port=kwargs["port"], db=kwargs.get("db", 0))
    marker.ping()  # connected before MONITOR starts: its handshake is not counted
    with redis.monitor() as monitor:
        ready = threading.Event()

        def read() -> None:
            ready.set()
            for command in monitor.listen():
                if _MARK in command["command"]:
                    return
                if command.get("client_type") != "lua":
                    seen.append(command["command"].split(" ")[0].upper())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        ready.wait(10)
        action()
        marker.echo(_MARK)
        reader.join(60)
    marker.close()
    return seen


def test_delay_with_a_status_is_one_script_call_that_also_writes_the_status(redis):
    test_jobs.add.delay(1, 2)  # loads the script, so no NOSCRIPT retry is counted below
    handles = []
    sent = client_commands(redis, lambda: handles.append(test_jobs.add.delay(2, 3)))
    assert sent == ["EVALSHA"]
    info = handles[0].info()
    assert info.status == "queued" and info.job == "tests.jobs.add" and info.queue == "default"
    assert info.enqueued_at and info.attempts == 0
    assert redis.llen("resque:queue:default") == 2


def test_delay_without_a_status_writes_no_hash(redis, ledger):
    handle = test_jobs.no_result.delay(ledger)
    assert redis.llen("resque:queue:default") == 1
    assert handle.info() is None and not redis.keys("resque:dj:job:*")


def test_a_priority_push_writes_the_status_in_the_same_script_call(redis):
    encoded = Payload("tests.jobs.add", [1, 2], id="prio-1").encode()
    priority.push("default", Payload("tests.jobs.add", [0, 0]).encode(), 5)  # load the script
    marked = status.enqueued_fields("prio-1", "tests.jobs.add")
    sent = client_commands(redis, lambda: priority.push("default", encoded, 5, status=marked))
    assert sent == ["EVALSHA"]
    assert status.get("prio-1").status == "queued"
    assert redis.zscore("resque:dj:priority:default", encoded) is not None


def test_the_reserve_script_marks_the_job_running_in_the_same_call(redis):
    handle = test_jobs.add.delay(2, 3)
    later = test_jobs.add.delay(4, 5)
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    redis.script_load(scripts.source("reserve"))  # so no NOSCRIPT retry is counted below
    reserved: list[Any] = []
    sent = client_commands(redis, lambda: reserved.append(worker.reserve()))
    assert sent == ["EVALSHA"] and reserved[0][0] == "default"
    info = handle.info()
    assert info.status == "running" and info.attempts == 1 and info.worker_ids == [worker.id]
    assert info.started_at and info.started_at >= info.enqueued_at
    assert redis.ttl(f"resque:dj:job:{handle.id}") == -1
    assert later.status == "queued"  # only the job taken is touched
    assert worker.reserve() is not None
    assert later.info().attempts == 1 and handle.info().attempts == 1


def test_the_reserve_script_appends_the_worker_and_counts_a_second_attempt(redis):
    handle = test_jobs.add.delay(2, 3)
    redis.hset(f"resque:dj:job:{handle.id}", mapping={"status": "retrying", "attempts": 1})
    redis.hset(f"resque:dj:job:{handle.id}", "worker_ids", '["old:1:default"]')
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    worker.reserve()
    info = handle.info()
    assert info.status == "running" and info.attempts == 2
    assert info.worker_ids == ["old:1:default", worker.id]


def test_the_reserve_script_creates_no_status_for_a_job_without_one(redis, ledger):
    test_jobs.no_result.delay(ledger)
    redis.rpush("resque:queue:default", b'{"class":"tests.jobs.add","args":[1,2],"id":"gone"}')
    redis.rpush("resque:queue:default", b"not json at all")
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    for _ in range(3):
        assert worker.reserve() is not None
    assert not redis.keys("resque:dj:job:*")


def test_a_no_fork_worker_moves_the_status_from_queued_to_running_to_succeeded(
    redis, ledger, work_here
):
    handle = test_jobs.sleep_for.delay(ledger, 0.3)
    with sampling(handle.info) as seen:
        work_here("default", fork=False)
    statuses = [info.status for info in seen]
    order = ["queued", "running", "succeeded"]
    assert [order.index(s) for s in statuses] == sorted(order.index(s) for s in statuses)
    running = next(info for info in seen if info.status == "running")
    assert running.attempts == 1 and f":{os.getpid()}:" in running.worker_ids[0]
    final = handle.wait(timeout=60)
    assert final.status == "succeeded" and final.attempts == 1 and final.finished_at


def reserved_with_status(redis: Any) -> tuple[Worker, Any, bytes]:
    handle = test_jobs.add.delay(2, 3)
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    queue, raw = worker.reserve()
    return worker, handle, raw


def test_the_next_reserve_call_stores_the_last_success_with_its_result(redis, settings):
    settings.RESQUE = {**settings.RESQUE, "RESULT_TTL": 30}
    worker, handle, raw = reserved_with_status(redis)
    redis.script_load(scripts.source("reserve"))
    worker.slot.record("default", raw, decode(raw), Outcome.success(5))
    assert handle.status == "running"  # not stored yet: the next reserve carries it
    sent = client_commands(redis, worker.reserve)
    assert sent == ["EVALSHA"]
    info = handle.info()
    assert info.status == "succeeded" and info.result == 5 and info.finished_at
    assert info.finished_at >= info.started_at
    assert 0 < redis.ttl(f"resque:dj:job:{handle.id}") <= 30
    assert redis.get("resque:stat:processed") == b"1"


def test_shutdown_stores_a_success_no_reserve_call_carried(redis):
    worker, handle, raw = reserved_with_status(redis)
    worker.slot.record("default", raw, decode(raw), Outcome.success(5))
    worker.shutdown()
    assert handle.info().status == "succeeded" and handle.result == 5


def test_a_paused_worker_stores_the_last_success_before_it_waits(redis):
    worker, handle, raw = reserved_with_status(redis)
    worker.slot.record("default", raw, decode(raw), Outcome.success(5))
    worker.interval = 0.01
    worker.signals.paused = True
    assert worker.work_once()
    assert handle.info().status == "succeeded" and handle.result == 5


def test_a_pruned_worker_stores_no_success_for_the_job_the_pruner_put_back(redis):
    worker, handle, raw = reserved_with_status(redis)
    worker.slot.record("default", raw, decode(raw), Outcome.success(5))
    redis.hdel("resque:dj:incarnations", worker.id)  # what prune does to a fenced incarnation
    with pytest.raises(Pruned):
        worker.reserve()
    assert handle.status == "running"


def test_a_burst_worker_stores_every_result_before_it_exits(redis, work_here):
    handles = [test_jobs.add.delay(i, 1) for i in range(3)]
    for fork in (True, False):
        work_here("default", fork=fork)
        assert [h.info().status for h in handles] == ["succeeded"] * 3
        assert [h.result for h in handles] == [1, 2, 3]
        handles = [test_jobs.add.delay(i, 1) for i in range(3)]


def test_a_job_with_limits_costs_no_extra_round_trip(redis, ledger):
    test_jobs.unique_until_executed.delay(ledger, "warm", 0)  # loads the script
    sent = client_commands(redis, lambda: test_jobs.unique_until_executed.delay(ledger, "a", 0))
    assert sent == ["EVALSHA"]  # the lock is taken in the enqueue call
    redis.delete("resque:queue:default")
    test_jobs.two_at_once.delay(ledger, "a", 0)
    test_jobs.two_at_once.delay(ledger, "b", 0)
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    reserved: list[Any] = []
    assert client_commands(redis, lambda: reserved.append(worker.reserve())) == ["EVALSHA"]
    slots = "resque:dj:limit:slots:tests.jobs.two_at_once"
    assert redis.hgetall(slots) == {worker.id.encode(): decode(reserved[0][1]).id.encode()}
    worker.slot.record("default", reserved[0][1], decode(reserved[0][1]), Outcome.success(None))
    sent = client_commands(redis, lambda: reserved.append(worker.reserve()))
    assert sent == ["EVALSHA"]  # frees the slot, takes the next one: one call
    assert redis.hgetall(slots) == {worker.id.encode(): decode(reserved[1][1]).id.encode()}


def test_metrics_travel_in_the_calls_a_worker_makes_anyway(redis):
    for i in range(5):
        test_jobs.add.delay(i, 1)
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    for name in ("reserve", "job_finish"):
        redis.script_load(scripts.source(name))

    def work() -> None:
        while (reserved := worker.reserve()) is not None:
            queue, raw = reserved
            failed = decode(raw).args == [0, 1]
            outcome = Outcome.failure(ValueError("no")) if failed else Outcome.success(1)
            worker.slot.record(queue, raw, decode(raw), outcome)

    sent = client_commands(redis, work)
    assert sent == ["EVALSHA"] * 7  # 5 jobs taken, the empty reserve, the failure's record
    worker.shutdown()  # its call stores the last success and sends the sums held
    (job_key,) = redis.keys("resque:dj:metrics:job:m:*:tests.jobs.add")
    (wait_key,) = redis.keys("resque:dj:metrics:wait:m:*:default")
    assert redis.hget(job_key, "n") == b"5" and redis.hget(job_key, "f") == b"1"
    assert redis.hget(wait_key, "n") == b"5"


def test_a_reserve_call_carries_the_sums_once_they_are_due(redis):
    worker, handle, raw = reserved_with_status(redis)
    test_jobs.add.delay(1, 1)
    redis.script_load(scripts.source("reserve"))
    worker.slot.record("default", raw, decode(raw), Outcome.success(5))
    assert worker.reserve() is not None  # just sent: the sums wait for the next second
    assert redis.keys("resque:dj:metrics:*") == []
    worker.slot.tally.sent_at -= recording.FLUSH_SECONDS
    sent = client_commands(redis, worker.reserve)
    assert sent == ["EVALSHA"]
    (job_key,) = redis.keys("resque:dj:metrics:job:m:*:tests.jobs.add")
    assert redis.hget(job_key, "n") == b"1"
