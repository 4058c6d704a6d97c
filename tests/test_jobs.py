import dataclasses
import json
import os
import signal
import time
from datetime import timedelta

import pytest
from django.test import override_settings

from django_resque import EnqueueError, InvalidJob, enqueue, job
from django_resque.jobs.definition import Job
from django_resque.jobs.payload import decode
from django_resque.jobs.registry import get_job, registered_jobs
from django_resque.queues import lists as queues
from tests import jobs as test_jobs
from tests.helpers import wait_until


def test_bare_and_called_decorators_register_frozen_definitions():
    assert isinstance(test_jobs.add, Job)
    assert test_jobs.add.name == "tests.jobs.add"
    assert get_job("tests.jobs.add") is test_jobs.add
    assert get_job("Emailer") is test_jobs.emailer
    with pytest.raises(dataclasses.FrozenInstanceError):
        test_jobs.add.queue = "other"  # type: ignore[misc]


def test_calling_a_job_runs_the_function_here():
    assert test_jobs.add(1, 2, scale=3) == 9


def test_using_returns_a_new_definition_and_leaves_the_original_alone():
    critical = test_jobs.record.using(queue="critical")
    assert critical.queue == "critical"
    assert test_jobs.record.queue is None
    assert test_jobs.record.queue_name == "default"


def test_delay_puts_a_payload_on_the_jobs_queue_with_the_time_it_was_queued(redis):
    before = time.time()
    handle = test_jobs.add.delay(1, 2, scale=3)
    assert handle.queue == "default" and len(handle.id) == 32
    raw = redis.lpop("resque:queue:default")
    head = '{"class":"tests.jobs.add","args":[1,2],"kwargs":{"scale":3},"id":"' + handle.id + '"'
    assert raw.startswith((head + ',"queue_time":').encode())
    assert before <= json.loads(raw)["queue_time"] <= time.time()
    assert redis.smembers("resque:queues") == {b"default"}


def test_using_queue_sends_the_payload_there(redis):
    test_jobs.record.using(queue="critical").delay("l", "t")
    assert redis.llen("resque:queue:critical") == 1
    assert redis.llen("resque:queue:default") == 0


def test_enqueue_by_name_writes_exactly_rubys_bytes(redis):
    enqueue("Emailer", "a@example.com", "Hi", queue="emails")
    assert redis.lrange("resque:queue:emails", 0, -1) == [
        b'{"class":"Emailer","args":["a@example.com","Hi"]}'
    ]


def test_non_json_arguments_fail_at_enqueue_and_store_nothing(redis):
    with pytest.raises(TypeError, match="primary key|ISO 8601"):
        test_jobs.record.delay("l", __import__("datetime").date.today())
    assert redis.keys("*") == []


@pytest.mark.parametrize("name", ["", "has space", "a:b", "a,b", "*", "x" * 129])
def test_bad_queue_names_are_refused(name):
    with pytest.raises(InvalidJob, match="Queue name"):
        test_jobs.record.using(queue=name)


def test_invalid_definitions_are_refused_at_decoration_time():
    with pytest.raises(InvalidJob, match="module-level"):

        @job
        def inner() -> None: ...

    with pytest.raises(InvalidJob, match="not valid"):
        job(name="1bad name")(print)


def test_payload_too_big_is_refused(redis):
    with (
        override_settings(RESQUE={**_settings(), "MAX_PAYLOAD_BYTES": 100}),
        pytest.raises(EnqueueError, match="MAX_PAYLOAD_BYTES"),
    ):
        test_jobs.record.delay("l", "x" * 200)


def test_redis_down_raises_enqueue_error_within_the_socket_timeout():
    settings = {**_settings(), "REDIS_URL": "redis://127.0.0.1:1/0", "SOCKET_CONNECT_TIMEOUT": 1}
    with override_settings(RESQUE=settings):
        started = time.monotonic()
        with pytest.raises(EnqueueError, match="Could not enqueue .* Nothing was stored") as info:
            test_jobs.add.delay(1, 2)
        assert time.monotonic() - started < 5
    assert info.value.outcome_unknown is False


def test_a_reply_that_times_out_is_an_enqueue_error_that_says_the_job_may_still_run(
    redis, redis_server
):
    settings = {**_settings(), "SOCKET_TIMEOUT": 0.3}
    with override_settings(RESQUE=settings):
        test_jobs.add.delay(0, 0)  # the script is loaded, a connection kept: the next call sends
        redis.delete("resque:queue:default")
        os.kill(redis_server.pid, signal.SIGSTOP)  # Redis frozen: the command waits in its socket
        try:
            with pytest.raises(EnqueueError, match="did not confirm .* may be stored") as info:
                test_jobs.add.delay(1, 2)
        finally:
            os.kill(redis_server.pid, signal.SIGCONT)
    assert info.value.outcome_unknown is True
    wait_until(lambda: redis.llen("resque:queue:default") == 1)  # it was stored after all


def test_registry_never_imports_what_a_payload_names():
    assert get_job("os.system") is None
    assert "os.system" not in registered_jobs()


def _settings():
    from django.conf import settings

    return dict(settings.RESQUE)


def test_payload_json_is_valid_for_unicode(redis):
    test_jobs.record.delay("l", "こんにちは")
    raw = redis.lpop("resque:queue:default")
    assert "こんにちは".encode() in raw
    assert json.loads(raw)["args"] == ["l", "こんにちは"]


def test_a_positional_queue_name_is_refused_with_the_keyword_to_use():
    with pytest.raises(InvalidJob, match=r"@job\(queue='emails'\) for a queue"):

        @job("emails")
        def send() -> None: ...


def test_a_job_option_passed_to_delay_is_refused_unless_the_function_takes_it():
    with pytest.raises(InvalidJob, match=r"got queue=\.\.\..*\.using\(queue=\.\.\.\)\.delay"):
        test_jobs.add.delay(1, 2, queue="critical")
    with pytest.raises(InvalidJob, match="retries=..., timeout=..."):
        test_jobs.add.enqueue_in(timedelta(minutes=1), 1, 2, timeout=5, retries=2)
    assert queues.size("default") == 0


def test_a_function_that_takes_an_option_name_still_gets_it():
    handle = test_jobs.takes_queue.delay("critical", queue="emails")
    assert decode(queues.peek("default")[0]).kwargs == {"queue": "emails"}
    assert handle.queue == "default"
