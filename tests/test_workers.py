"""The worker against the test Redis: its queues, registration and records in this process
(work_here), its command line and signals as a real `python -m django resque_work` process."""

import json
import os
import re
import signal

import pytest
from django.core.management import CommandError

from django_resque import enqueue
from tests import jobs
from tests.helpers import sampling, wait_until

HEARTBEATS = "resque:workers:heartbeat"


@pytest.mark.parametrize("fork", [True, False])
def test_burst_worker_performs_every_job_then_exits(redis, ledger, fork, work_here):
    for token in ("a", "b", "c"):
        jobs.record.delay(ledger, token)
    log = work_here("default", fork=fork)
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["a", "b", "c"]
    assert redis.llen("resque:queue:default") == 0
    assert redis.get("resque:stat:processed") == b"3"
    assert redis.smembers("resque:workers") == set()
    assert "event=got queue=default job=tests.jobs.record" in log
    assert "event=done queue=default job=tests.jobs.record" in log


def test_each_job_runs_in_its_own_child_in_fork_mode(ledger, work_here):
    jobs.record.delay(ledger, "a")
    jobs.record.delay(ledger, "b")
    work_here("default")
    pids = {row[1] for row in jobs.read_ledger(ledger)}
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_queues_are_taken_in_the_order_given(ledger, work_here):
    jobs.record_low.delay(ledger, "1")
    jobs.record.delay(ledger, "2")
    jobs.record_high.delay(ledger, "3")
    work_here("high", "default", "low")
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["high", "2", "low"]


def test_star_means_every_queue_alphabetically(ledger, work_here):
    jobs.record_low.delay(ledger, "1")
    jobs.record.using(queue="zeta").delay(ledger, "z")
    jobs.record_high.delay(ledger, "2")
    work_here("*")
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["high", "low", "z"]


def test_exclusions_and_queue_env_var(ledger, monkeypatch, command_here):
    jobs.record_low.delay(ledger, "1")
    jobs.record_high.delay(ledger, "2")
    monkeypatch.setenv("QUEUE", "*,!low")
    command_here("resque_work", "--burst")
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["high"]


def test_a_payload_pushed_by_hand_like_redis_cli_is_performed(redis, ledger, work_here):
    redis.sadd("resque:queues", "default")
    redis.rpush("resque:queue:default", json.dumps({"class": "Emailer", "args": [ledger, "Hi"]}))
    redis.rpush(
        "resque:queue:default",
        json.dumps({"class": "Billing::Charge", "queue": "default", "args": [ledger, 100]}),
    )
    work_here()
    assert jobs.read_ledger(ledger) == [["Emailer", "Hi"], ["Billing::Charge", "100"]]


def test_a_job_that_raises_becomes_a_failure_record_with_rubys_fields(redis, work_here):
    handle = jobs.fail.delay("boom")
    log = work_here("default")
    assert "event=failed queue=default job=tests.jobs.fail exception=ValueError" in log
    record = json.loads(redis.lindex("resque:failed", 0))
    assert list(record) == [
        "failed_at",
        "payload",
        "exception",
        "error",
        "backtrace",
        "worker",
        "queue",
        "attempts",  # django_resque's own fields come after Ruby's
        "id",
    ]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \w+", record["failed_at"])
    assert isinstance(record["payload"].pop("queue_time"), float)  # php-resque's field
    assert record["payload"] == {"class": "tests.jobs.fail", "args": ["boom"], "id": handle.id}
    assert (record["exception"], record["error"], record["queue"]) == (
        "ValueError",
        "boom",
        "default",
    )
    assert record["backtrace"] and all(isinstance(line, str) for line in record["backtrace"])
    assert "tests/jobs.py" in record["backtrace"][-1] and "in `fail'" in record["backtrace"][-1]
    assert re.fullmatch(r"[^:]+:\d+:default", record["worker"])
    assert redis.get("resque:stat:failed") == b"1"
    assert redis.get("resque:stat:processed") == b"1"  # Ruby counts failures as processed too


@pytest.mark.parametrize(
    ("raw", "exception"),
    [
        (b"not json at all", "django_resque.exceptions.MalformedPayload"),
        (b"[1,2,3]", "django_resque.exceptions.MalformedPayload"),
        (b'{"class":"Emailer","args":"no list"}', "django_resque.exceptions.MalformedPayload"),
        (
            b'{"class":"os.system","args":["touch /tmp/pwned"]}',
            "django_resque.exceptions.UnknownJob",
        ),
        (b"\x80\x04\x95pickle", "django_resque.exceptions.MalformedPayload"),
    ],
)
@pytest.mark.parametrize("fork", [True, False])
def test_bad_payloads_become_failures_and_the_worker_goes_on(
    redis, ledger, raw, exception, fork, work_here
):
    redis.sadd("resque:queues", "default")
    redis.rpush("resque:queue:default", raw)
    jobs.record.delay(ledger, "after")
    work_here(fork=fork)
    record = json.loads(redis.lindex("resque:failed", 0))
    assert record["exception"] == exception
    assert jobs.read_ledger(ledger)[0][0] == "after"
    assert redis.llen("resque:failed") == 1


def test_a_child_that_dies_without_reporting_is_a_dirty_exit(redis, ledger, work_here):
    jobs.exit_hard.delay(3)
    jobs.exit_hard.delay(0)
    jobs.record.delay(ledger, "after")
    work_here()
    errors = [json.loads(r)["error"] for r in redis.lrange("resque:failed", 0, -1)]
    assert "exited with status 3" in errors[0]
    assert "exited 0 without reporting an outcome" in errors[1]
    assert jobs.read_ledger(ledger)[0][0] == "after"


def test_a_running_worker_wakes_for_new_jobs_and_stops_on_term(redis, ledger, start_worker):
    worker = start_worker("--queues", "default", "-v", "2")
    wait_until(lambda: redis.scard("resque:workers") == 1)
    jobs.record.delay(ledger, "x")
    wait_until(lambda: jobs.read_ledger(ledger))
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    assert redis.scard("resque:workers") == 0
    assert redis.get("resque:stat:processed") == b"1"


def test_worker_registers_as_ruby_does(redis, ledger, work_here):
    def registration():
        return [
            (m, redis.get(b"resque:worker:" + m + b":started"), redis.hget(HEARTBEATS, m))
            for m in redis.smembers("resque:workers")
        ]

    jobs.sleep_for.delay(ledger, 0.3)  # registered while it runs
    with sampling(registration) as seen:
        work_here("high", "default")
    ((worker_id, started, heartbeat),) = next(sample for sample in seen if sample)
    host, pid, queue_list = worker_id.decode().split(":")
    assert (int(pid), queue_list) == (os.getpid(), "high,default")
    assert re.fullmatch(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}", started)
    assert re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", heartbeat)


def test_in_flight_record_is_rubys_working_on_json(redis, ledger, work_here):
    def records():
        return [redis.get(b"resque:worker:" + m) for m in redis.smembers("resque:workers")]

    jobs.sleep_for.delay(ledger, 0.3)
    with sampling(records) as seen:
        work_here("default")
    (raw,) = next(sample for sample in seen if any(sample))
    record = json.loads(raw)
    assert list(record) == ["queue", "run_at", "payload"]
    assert record["queue"] == "default"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["run_at"])
    assert record["payload"]["class"] == "tests.jobs.sleep_for"


def test_bad_options_are_command_errors(command_here):
    with pytest.raises(CommandError, match="Queue name 'a:b' is not valid"):
        command_here("resque_work", "--queues", "a:b")
    with pytest.raises(CommandError, match="--interval"):
        command_here("resque_work", "--interval", "0")
    with pytest.raises(CommandError, match="--shutdown-timeout must be 0 or more, got -1.0"):
        command_here("resque_work", "--shutdown-timeout", "-1")
    with pytest.raises(CommandError, match="--max-jobs must be a positive integer, got 0"):
        command_here("resque_work", "--max-jobs", "0")
    with pytest.raises(CommandError, match="--queues needs comma-separated queue names"):
        command_here("resque_work", "--queues", "high,,low")


def test_verbose_in_the_environment_turns_on_the_workers_info_lines(
    monkeypatch, caplog, command_here
):
    command_here("resque_work", "--burst", "--no-fork")
    assert "event=started" not in caplog.text  # --verbosity 1 shows warnings only
    monkeypatch.setenv("VERBOSE", "1")
    command_here("resque_work", "--burst", "--no-fork")
    assert "event=started queues=default" in caplog.text


def test_enqueue_from_another_language_is_performed_by_registered_name(ledger, work_here):
    enqueue("Emailer", ledger, "from-ruby")
    work_here()
    assert jobs.read_ledger(ledger) == [["Emailer", "from-ruby"]]
