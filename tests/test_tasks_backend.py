"""ResqueBackend, tested the way Django's tests/tasks test its built-in backends."""

import json
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone

from django_resque import testing
from django_resque.exceptions import EnqueueError
from django_resque.queues import delayed
from django_resque.tasks_backend.backend import ResqueBackend
from django_resque.tasks_backend.compat import (
    InvalidTask,
    TaskResultDoesNotExist,
    TaskResultMismatch,
    TaskResultStatus,
    task_backends,
    task_enqueued,
    task_finished,
    task_started,
)
from tests import jobs, tasks


def payloads(redis, queue="default"):
    return [json.loads(raw) for raw in redis.lrange(f"resque:queue:{queue}", 0, -1)]


def test_the_backend_declares_every_feature():
    backend = task_backends["default"]
    assert isinstance(backend, ResqueBackend)
    assert backend.supports_defer
    assert backend.supports_priority
    assert backend.supports_get_result
    assert backend.supports_async_task


def test_enqueue_returns_a_ready_result_and_stores_a_resque_payload(redis):
    result = tasks.add_task.enqueue(1, 2, scale=3)
    assert result.status == TaskResultStatus.READY
    assert not result.is_finished
    assert result.started_at is None and result.finished_at is None
    assert result.last_attempted_at is None
    assert result.enqueued_at is not None
    assert result.args == [1, 2] and result.kwargs == {"scale": 3}
    assert result.task == tasks.add_task
    assert result.backend == "default"
    assert result.attempts == 0 and result.worker_ids == [] and result.errors == []
    with pytest.raises(ValueError):
        result.return_value  # noqa: B018
    [payload] = payloads(redis)
    assert 0 < time.time() - payload.pop("queue_time") < 60
    assert payload == {
        "class": "django_resque.run_task",
        "args": [result.id, "tests.tasks.add_task", 1, 2],
        "kwargs": {"scale": 3},
        "id": result.id,
    }


def test_get_result_of_a_queued_task_matches_what_enqueue_returned(redis):
    result = tasks.add_task.enqueue(1, 2)
    fetched = tasks.add_task.get_result(result.id)
    assert fetched.id == result.id
    assert fetched.status == TaskResultStatus.READY
    assert fetched.args == [1, 2]
    assert fetched.task.func is tasks.add_task.func


def test_get_result_of_an_unknown_id_raises_does_not_exist(redis):
    with pytest.raises(TaskResultDoesNotExist):
        task_backends["default"].get_result("no-such-id")


def test_performing_the_task_records_success_and_the_return_value(redis):
    result = tasks.add_task.enqueue(2, 3, scale=2)
    testing.perform_enqueued()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.is_finished
    assert result.return_value == 10
    assert result.started_at <= result.finished_at
    assert result.last_attempted_at == result.started_at
    assert result.attempts == 1 and len(result.worker_ids) == 1
    assert result.errors == []


def test_return_values_are_normalised_to_json(redis, ledger):
    result = tasks.record_task.enqueue(ledger, "a")
    testing.perform_enqueued()
    assert tasks.record_task.get_result(result.id).return_value == {"token": "a", "tuple": [1, 2]}


def test_a_failing_task_records_its_error_and_lands_in_resque_failed(redis):
    result = tasks.failing_task.enqueue("nope")
    outcomes = testing.perform_enqueued(raise_failures=False)
    assert outcomes[0].exception == "ValueError"
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    [error] = result.errors
    assert error.exception_class is ValueError
    assert "nope" in error.traceback and "Traceback" in error.traceback
    with pytest.raises(ValueError):
        result.return_value  # noqa: B018


def test_a_retried_failure_counts_another_attempt(redis):
    result = tasks.failing_task.enqueue("again")
    raw = redis.lindex("resque:queue:default", 0)
    testing.perform_enqueued(raise_failures=False)
    redis.rpush("resque:queue:default", raw)  # what retrying the failure record does
    testing.perform_enqueued(raise_failures=False)
    result.refresh()
    assert result.attempts == 2 and len(result.errors) == 2


def test_async_tasks_run_to_completion(redis):
    result = tasks.async_task.enqueue(21)
    testing.perform_enqueued()
    assert tasks.async_task.get_result(result.id).return_value == 42


def test_a_task_that_takes_context_gets_its_attempt_and_result_id(redis, ledger):
    result = tasks.context_task.enqueue(ledger)
    testing.perform_enqueued()
    assert tasks.context_task.get_result(result.id).return_value == result.id
    assert jobs.read_ledger(ledger) == [["attempt", "1"]]


def test_signals_are_sent_on_enqueue_start_and_finish(redis):
    seen = []

    def receiver(sender, task_result, **kwargs):
        seen.append((sender, task_result.status))

    for signal in (task_enqueued, task_started, task_finished):
        signal.connect(receiver)
    try:
        tasks.noop_task.enqueue()
        testing.perform_enqueued()
    finally:
        for signal in (task_enqueued, task_started, task_finished):
            signal.disconnect(receiver)
    assert seen == [
        (ResqueBackend, TaskResultStatus.READY),
        (ResqueBackend, TaskResultStatus.RUNNING),
        (ResqueBackend, TaskResultStatus.SUCCESSFUL),
    ]


def test_non_json_arguments_are_refused_at_enqueue(redis):
    with pytest.raises(TypeError):
        tasks.add_task.enqueue(object(), 1)
    assert redis.keys("*") == []


def test_a_queue_the_backend_does_not_list_is_invalid():
    with pytest.raises(InvalidTask):
        tasks.add_task.using(queue_name="elsewhere")


def test_an_empty_queues_list_allows_any_valid_resque_queue_name(redis):
    tasks.other_backend_task.enqueue()
    assert len(payloads(redis, "anything-goes")) == 1
    with pytest.raises(InvalidTask, match="not valid"):
        tasks.other_backend_task.using(queue_name="bad:name")


def test_priorities_outside_the_range_are_invalid():
    with pytest.raises(InvalidTask):
        tasks.add_task.using(priority=101)


def test_run_after_stores_the_task_in_the_delayed_set(redis):
    when = timezone.now() + timedelta(hours=1)
    result = tasks.add_task.using(run_after=when).enqueue(1, 1)
    assert result.status == TaskResultStatus.READY
    assert delayed.count() == 1
    assert payloads(redis) == []
    [item] = delayed.items_at(when)
    assert item["class"] == "django_resque.run_task" and item["queue"] == "default"
    assert redis.hget(f"resque:dj:job:{result.id}", "status") == b"scheduled"


def test_priority_orders_tasks_within_a_queue(redis, ledger):
    tasks.record_task.enqueue(ledger, "plain")
    tasks.prioritised_task.enqueue(ledger, "five")
    tasks.prioritised_task.using(priority=-10).enqueue(ledger, "minus-ten")
    tasks.prioritised_task.using(priority=50).enqueue(ledger, "fifty")
    testing.perform_enqueued()
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["fifty", "five", "plain", "minus-ten"]


def test_a_payload_naming_a_function_that_is_not_a_registered_task_never_runs(redis):
    raw = '{"class":"django_resque.run_task","args":["x","tests.tasks.not_a_task"]}'
    redis.rpush("resque:queue:default", raw)
    [outcome] = testing.perform_enqueued("default", raise_failures=False)
    assert outcome.exception == "django_resque.exceptions.UnknownJob"
    forged = '{"class":"django_resque.run_task","args":["x","os.system","true"]}'
    redis.rpush("resque:queue:default", forged)
    assert testing.perform_enqueued("default", raise_failures=False)[0].exception.endswith(
        "UnknownJob"
    )


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_task_is_sent_on_commit_and_dropped_on_rollback(redis):
    with transaction.atomic():
        result = tasks.add_task.enqueue(1, 2)
        assert payloads(redis) == []
        with pytest.raises(TaskResultDoesNotExist):
            tasks.add_task.get_result(result.id)
    assert len(payloads(redis)) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.add_task.enqueue(3, 4)
        raise RuntimeError
    assert len(payloads(redis)) == 1


def test_backend_options_are_checked():
    backend = ResqueBackend("x", {"OPTIONS": {"ENQUEUE_ON_COMMIT": "yes", "COLOUR": 1}})
    assert [m.id for m in backend.check()] == ["django_resque.E060", "django_resque.E061"]
    assert ResqueBackend("y", {}).check() == []


@pytest.mark.parametrize("fork", [True, False])
def test_tasks_run_on_the_same_resque_work_workers(redis, ledger, fork, work_here):
    first = tasks.record_task.enqueue(ledger, "t1")
    job_handle = jobs.record.delay(ledger, "j1")
    coroutine = tasks.async_task.enqueue(5)
    assert job_handle.id
    work_here("tasks", "default", fork=fork)
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["t1", "j1"]
    first.refresh()
    assert first.status == TaskResultStatus.SUCCESSFUL
    assert first.return_value == {"token": "t1", "tuple": [1, 2]}
    [worker_id] = first.worker_ids
    assert worker_id.endswith(":tasks,default")  # the Resque worker id: host:pid:queues
    assert tasks.async_task.get_result(coroutine.id).return_value == 10


def test_a_payload_over_the_size_limit_is_refused_and_leaves_no_result(redis, settings):
    settings.RESQUE = {**settings.RESQUE, "MAX_PAYLOAD_BYTES": 100}
    with pytest.raises(EnqueueError):
        tasks.add_task.enqueue(1, 2, scale=int("9" * 80))
    assert redis.keys("*") == []


def test_the_async_api_enqueues_and_fetches_results(redis):
    async def scenario():
        result = await tasks.add_task.aenqueue(4, 5)
        fetched = await tasks.add_task.aget_result(result.id)
        return result, fetched

    result, fetched = async_to_sync(scenario)()
    assert fetched.id == result.id and fetched.status == TaskResultStatus.READY
    testing.perform_enqueued()
    async_to_sync(result.arefresh)()
    assert result.return_value == 9


def test_get_result_through_another_task_is_a_mismatch(redis):
    result = tasks.add_task.enqueue(1, 1)
    with pytest.raises(TaskResultMismatch):
        tasks.noop_task.get_result(result.id)


def test_a_task_workers_could_not_find_by_name_is_refused_at_enqueue(redis):
    with pytest.raises(InvalidTask, match="not found under that name"):
        tasks.lambda_task.enqueue()
    assert redis.keys("*") == []


def test_functions_defined_inside_functions_are_invalid_tasks():
    def local() -> None: ...

    with pytest.raises(InvalidTask):
        task_backends["default"].validate_task(tasks.noop_task.__class__(func=local))
