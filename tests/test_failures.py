"""The failure registry: Ruby's records with stable ids, filters, retry and remove by id."""

from __future__ import annotations

import json

import pytest

from django_resque.failures import registry as failures
from django_resque.failures.registry import FailureFilter
from django_resque.jobs.outcome import Outcome
from django_resque.queues import lists as queues


def _fail(
    queue: str = "default", job: str = "tests.jobs.fail", exc: str = "ValueError", n: int = 0
):
    raw = json.dumps({"class": job, "args": [n], "id": f"{n:032x}"}, separators=(",", ":"))
    outcome = Outcome(ok=False, exception=exc, error=f"boom {n}", backtrace=["a.py:1:in `f'"])
    record = failures.build(raw.encode(), outcome, queue=queue, worker_id="host:1:default")
    failures.save(record)
    return record["id"], raw


def test_a_saved_failure_keeps_ruby_fields_in_the_failed_list_and_adds_an_id(redis):
    failure_id, raw = _fail()
    stored = json.loads(redis.lindex("resque:failed", 0))
    assert list(stored)[:7] == [
        "failed_at",
        "payload",
        "exception",
        "error",
        "backtrace",
        "worker",
        "queue",
    ]
    assert stored["id"] == failure_id
    assert stored["payload"] == json.loads(raw)
    assert redis.get("resque:stat:failed") == b"1"


def test_pages_come_newest_first_and_get_finds_one_by_id():
    ids = [_fail(n=n)[0] for n in range(5)]
    assert [f.id for f in failures.page(limit=3)] == ids[::-1][:3]
    assert [f.id for f in failures.page(offset=3, limit=3)] == ids[::-1][3:]
    one = failures.get(ids[2])
    assert one is not None and one.args == [2] and one.job_name == "tests.jobs.fail"
    assert failures.count() == 5


def test_filters_by_queue_job_and_exception_alone_and_combined():
    _fail(queue="a", job="J1", exc="E1", n=1)
    _fail(queue="a", job="J2", exc="E1", n=2)
    _fail(queue="b", job="J1", exc="E2", n=3)
    assert failures.count(FailureFilter(queue="a")) == 2
    assert failures.count(FailureFilter(job_name="J1")) == 2
    assert failures.count(FailureFilter(queue="a", exception="E1", job_name="J1")) == 1
    combined = failures.page(FailureFilter(queue="a", job_name="J1"))
    assert [f.args for f in combined] == [[1]]


def test_retry_puts_the_original_bytes_back_once_and_removes_the_record(redis):
    failure_id, raw = _fail(n=7)
    assert failures.retry(failure_id) is True
    assert failures.retry(failure_id) is False
    assert queues.peek("default") == [raw.encode()]
    assert failures.count() == 0 and redis.llen("resque:failed") == 0


def test_remove_by_id_leaves_the_other_records_alone(redis):
    ids = [_fail(n=n)[0] for n in range(3)]
    assert failures.remove(ids[1])
    assert [f.id for f in failures.page()] == [ids[2], ids[0]]
    assert redis.llen("resque:failed") == 2


def test_records_ruby_wrote_are_listed_and_retried_with_a_derived_id(redis):
    ruby = (
        '{"failed_at":"2026/01/12 15:23:55 EST","payload":{"class":"Emailer","args":["a@b"]},'
        '"exception":"RuntimeError","error":"x","backtrace":[],"worker":"w:1:q","queue":"mail"}'
    )
    redis.rpush("resque:failed", ruby)
    [record] = failures.page()
    assert len(record.id) == 40 and record.job_name == "Emailer"
    assert failures.retry(record.id)
    assert queues.peek("mail") == [b'{"class":"Emailer","args":["a@b"]}']
    assert redis.llen("resque:failed") == 0


def test_retry_all_with_a_filter_touches_only_matching_records(redis):
    for n in range(30):
        _fail(queue="a" if n % 3 else "b", n=n)
    assert failures.retry_all(FailureFilter(queue="b")) == 10
    assert queues.size("b") == 10
    assert failures.count() == 20 and redis.llen("resque:failed") == 20
    assert failures.count(FailureFilter(queue="b")) == 0
    assert failures.remove_all() == 20
    assert redis.llen("resque:failed") == 0 and failures.count() == 0


@pytest.mark.parametrize("batch", [1, 7])
def test_bulk_operations_work_in_batches_of_any_size(settings, batch, redis):
    settings.RESQUE = {**settings.RESQUE, "FAILURE_BATCH_SIZE": batch}
    for n in range(20):
        _fail(exc="E1" if n % 2 else "E2", n=n)
    assert failures.remove_all(FailureFilter(exception="E1")) == 10
    assert {f.exception for f in failures.page(limit=50)} == {"E2"}
    assert redis.llen("resque:failed") == 10


def test_old_records_of_other_implementations_are_indexed_by_a_sweep_pass(redis):
    from tests.failure_factory import fill

    for n in range(5):
        redis.rpush(
            "resque:failed",
            json.dumps({"failed_at": "x", "payload": {"class": "Old", "args": [n]}, "queue": "q"}),
        )
    fill(redis, 1200, chunk=100)
    # too deep for the cheap look at the newest records, so a sweep pass starts and finds them
    failures.sync()
    while failures.sweep_step() > 0:
        pass
    assert failures.count() == 1205
    failures.reindex()
    assert failures.count() == 1205 and redis.llen("resque:failed") == 1205
    assert failures.count(FailureFilter(job_name="Old")) == 5


def test_identical_foreign_records_do_not_start_a_sweep_on_every_look(redis):
    ruby = '{"failed_at":"x","payload":{"class":"Same","args":[]},"queue":"q"}'
    redis.rpush("resque:failed", ruby, ruby)
    assert failures.count() == 1  # one id for both: the list is one longer than the index
    while failures.sweep_step() > 0:
        pass
    failures.count()
    assert failures.sweep_step() == 0 and redis.hget("resque:dj:failed:sweep", "remaining") == b"0"
