import json

import pytest
from django.conf import settings
from django.test import override_settings

from django_resque import EnqueueError
from tests import jobs as test_jobs
from tests.jobs import read_ledger


def test_enqueue_many_pushes_one_payload_per_call_in_order_and_returns_handles(redis):
    handles = test_jobs.add.enqueue_many([(1, 2), [3, 4], test_jobs.add.call(5, 6, scale=2)])
    raws = redis.lrange("resque:queue:default", 0, -1)
    assert [json.loads(r)["args"] for r in raws] == [[1, 2], [3, 4], [5, 6]]
    assert json.loads(raws[2])["kwargs"] == {"scale": 2}
    assert [json.loads(r)["id"] for r in raws] == [h.id for h in handles]
    assert len({h.id for h in handles}) == 3
    assert all(h.queue == "default" and h.job_name == "tests.jobs.add" for h in handles)
    assert redis.smembers("resque:queues") == {b"default"}


def test_enqueue_many_writes_the_same_bytes_as_delay(redis):
    test_jobs.add.delay(1, 2)
    test_jobs.add.enqueue_many([(1, 2)])
    first, second = (json.loads(r) for r in redis.lrange("resque:queue:default", 0, -1))
    first.pop("id"), second.pop("id")
    assert first.pop("queue_time") <= second.pop("queue_time")
    assert first == second


def test_enqueue_many_spans_chunks_and_round_trips_without_losing_or_doubling(redis):
    handles = test_jobs.add.using(queue="bulk").enqueue_many(
        [(i, 0) for i in range(2_345)], chunk_size=100
    )
    raws = redis.lrange("resque:queue:bulk", 0, -1)
    assert [json.loads(r)["args"][0] for r in raws] == list(range(2_345))
    assert len(handles) == 2_345
    assert redis.llen("resque:dj:wake:bulk") <= 1000


def test_enqueue_many_loads_the_script_when_redis_forgot_it(redis):
    test_jobs.add.enqueue_many([(1, 2)])
    redis.script_flush()
    test_jobs.add.enqueue_many([(i, 0) for i in range(30)], chunk_size=7)
    assert redis.llen("resque:queue:default") == 31


def test_one_bad_item_fails_the_whole_call_and_stores_nothing(redis):
    with pytest.raises(TypeError, match="item 2: Job argument args\\[0\\]"):
        test_jobs.add.enqueue_many([(1, 2), (3, 4), (object(), 1)])
    with pytest.raises(TypeError, match="item 0 is 7: pass a tuple"):
        test_jobs.add.enqueue_many([7])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="chunk_size"):
        test_jobs.add.enqueue_many([(1, 2)], chunk_size=0)
    limit = {**settings.RESQUE, "MAX_PAYLOAD_BYTES": 100}
    with override_settings(RESQUE=limit), pytest.raises(EnqueueError, match="MAX_PAYLOAD"):
        test_jobs.record.enqueue_many([("l", "ok"), ("l", "x" * 200)])
    assert redis.keys("*") == []


def test_enqueue_many_of_nothing_sends_nothing(redis):
    assert test_jobs.add.enqueue_many([]) == []
    assert redis.keys("*") == []


def test_redis_down_during_enqueue_many_raises_enqueue_error():
    down = {**settings.RESQUE, "REDIS_URL": "redis://127.0.0.1:1/0", "SOCKET_CONNECT_TIMEOUT": 1}
    with override_settings(RESQUE=down), pytest.raises(EnqueueError, match="0 were stored"):
        test_jobs.add.enqueue_many([(1, 2)])


def test_a_worker_performs_every_bulk_enqueued_job_once(ledger, work_here):
    test_jobs.record.enqueue_many([(ledger, f"t{i}") for i in range(50)])
    work_here("default", fork=False)
    assert sorted(line[0] for line in read_ledger(ledger)) == sorted(f"t{i}" for i in range(50))


@pytest.mark.django_db(transaction=True)
def test_enqueue_many_waits_for_the_commit_and_drops_with_a_rollback(redis):
    from django.db import transaction

    with transaction.atomic():
        test_jobs.add.enqueue_many([(1, 2), (3, 4)])
        assert redis.llen("resque:queue:default") == 0
    assert redis.llen("resque:queue:default") == 2
    with pytest.raises(RuntimeError), transaction.atomic():
        test_jobs.add.enqueue_many([(5, 6)])
        raise RuntimeError("roll back")
    assert redis.llen("resque:queue:default") == 2


@pytest.mark.django_db
def test_enqueue_many_passes_model_instances_by_reference(redis, settings):
    from tests.models import Comment

    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}
    comment = Comment.objects.create(body="two words")
    test_jobs.describe.enqueue_many([(comment,)])
    (raw,) = redis.lrange("resque:queue:default", 0, -1)
    assert json.loads(raw)["args"] == [{"__django_model__": "tests.comment", "pk": comment.pk}]


def test_enqueue_many_in_inline_mode_performs_each_call_at_once(redis, settings, ledger):
    settings.RESQUE = {**settings.RESQUE, "INLINE": True}
    test_jobs.record.enqueue_many([(ledger, "a"), (ledger, "b")])
    assert [row[0] for row in read_ledger(ledger)] == ["a", "b"]
    assert redis.llen("resque:queue:default") == 0
