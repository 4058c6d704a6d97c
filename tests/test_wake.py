"""Wake lists: every push leaves the same short token, and old tokens of any bytes only wake."""

from __future__ import annotations

import json

from django_resque.failures import registry as failures
from django_resque.failures import retries
from django_resque.jobs.outcome import Outcome
from django_resque.queues import delayed, priority
from django_resque.queues import lists as queues
from django_resque.scheduler import promotion
from django_resque.storage.keys import get_keys
from django_resque.worker.reservation import Reservation

PAYLOAD = '{"class":"tests.jobs.add","args":[1,2]}'


def _tokens(redis, queue: str) -> set[bytes]:
    return set(redis.lrange(f"resque:dj:wake:{queue}", 0, -1))


def test_every_push_path_leaves_the_same_one_byte_token(redis):
    queues.push("plain", PAYLOAD)
    priority.push("ranked", PAYLOAD, 5)
    redis.zadd("resque:dj:retry", {retries.member("retried", PAYLOAD.encode()): 1.0})
    retries.promote_due(now=2.0)
    delayed.push(1000, json.dumps({"class": "tests.jobs.add", "args": [1], "queue": "later"}))
    promotion.promote_due(1000, lease="")
    outcome = Outcome(ok=False, exception="ValueError", error="boom", backtrace=[])
    record = failures.build(PAYLOAD.encode(), outcome, queue="failed-again", worker_id="h:1:q")
    failures.save(record)
    assert failures.retry(record["id"])
    for queue in ("plain", "ranked", "retried", "later", "failed-again"):
        assert _tokens(redis, queue) == {b"1"}, queue
        assert queues.size(queue) == 1


def test_retries_promoted_past_the_cap_leave_no_more_tokens_than_the_cap(redis):
    due = {
        retries.member("many", f'{{"class":"x","args":[{n}]}}'.encode()): 1.0 for n in range(1100)
    }
    redis.zadd("resque:dj:retry", due)
    retries.promote_due(now=2.0, limit=2000)
    assert queues.size("many") == 1100
    assert redis.llen("resque:dj:wake:many") == queues.WAKE_TOKEN_CAP


def test_tokens_of_other_bytes_left_in_a_wake_list_only_wake_a_waiting_worker(redis):
    # a wake list written by other code: a copy of a payload and a queue name as tokens
    redis.rpush("resque:dj:wake:default", PAYLOAD, "default")
    redis.rpush("resque:queue:default", '{"class":"tests.jobs.add","args":[3,4]}')
    redis.hset("resque:dj:incarnations", "h:1:default", "token")
    reservation = Reservation("h:1:default", ["default"], 1.0, get_keys())
    assert reservation.wait_and_take("token") == (
        "default",
        b'{"class":"tests.jobs.add","args":[3,4]}',
    )
    assert reservation.wait_and_take("token") is None  # woken, nothing to take: no payload made
    assert queues.size("default") == 0
    assert redis.llen("resque:dj:wake:default") == 0  # an empty queue drops its stale tokens
