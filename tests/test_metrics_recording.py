"""What workers record per job attempt: counts, durations, outcomes, queue waits, and their TTLs.

Real workers run real jobs (in this process unless a forking process or --threads is the
point), then the figures are read back through metrics/reads.py and the keys themselves.
"""

from __future__ import annotations

import json
import time

import pytest

from django_resque.metrics import buckets, reads, recording
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys
from tests import jobs as test_jobs
from tests.helpers import run_command


def table(window: str = "1h") -> dict[str, reads.JobRow]:
    return {row.name: row for row in reads.job_table(window)}


def totals(redis) -> dict[str, int]:
    raw = redis.hgetall(get_keys().metrics_totals())
    return {k.decode().replace("\n", " "): int(v) for k, v in raw.items()}


def minute_key(redis, kind: str, name: str) -> str:
    (key,) = redis.keys(f"resque:dj:metrics:{kind}:m:*:{name}")
    return key.decode()


def test_sums_of_the_wrong_kinds_are_skipped_and_the_rest_recorded(redis):
    good = ["tests.jobs.add", "default", int(time.time() // 60), 2, 1, 0, 3000, [0, 2]]
    sums = {
        "j": [
            good,
            ["tests.jobs.add", "default", "minute", 1, 0, 0, 5, [0, 1]],
            ["x", "default", 1, -1, 0, 0, 5, [0, 1]],
            [None, "default", 1, 1, 0, 0, 5, [0, 1]],
            ["tests.jobs.add", "default", good[2], 1, 0, 0, 5, [99, 1, 3, "x", -1, 2]],
            "not a list",
        ],
        "w": [["default", good[2], 1, 10, [0, 1]], ["default", "x"], {}],
    }
    scripts.run("metrics_flush", [], [*recording.Tally().script_args()[:3], json.dumps(sums)])
    scripts.run("metrics_flush", [], [*recording.Tally().script_args()[:3], "not json"])
    job = redis.hgetall(minute_key(redis, "job", "tests.jobs.add"))
    assert job == {b"n": b"3", b"us": b"3005", b"f": b"1", b"0": b"2"}
    assert redis.hgetall(minute_key(redis, "wait", "default")) == {
        b"n": b"1",
        b"us": b"10",
        b"0": b"1",
    }
    assert redis.keys("resque:dj:metrics:job:*:x") == []


def test_a_worker_counts_each_jobs_runs_and_failures_exactly(redis, ledger, work_here):
    for i in range(3):
        test_jobs.add.delay(i, 1)
    test_jobs.fail.delay("boom")
    test_jobs.add.using(queue="high").delay(1, 1)
    work_here("high", "default", fork=False)
    rows = table()
    assert (rows["tests.jobs.add"].runs, rows["tests.jobs.add"].failures) == (4, 0)
    assert (rows["tests.jobs.fail"].runs, rows["tests.jobs.fail"].failures) == (1, 1)
    assert rows["tests.jobs.fail"].failure_rate == 1.0
    assert totals(redis) == {
        "p default tests.jobs.add": 3,
        "p high tests.jobs.add": 1,
        "p default tests.jobs.fail": 1,
        "f default tests.jobs.fail": 1,
    }
    assert {r.name: r.runs for r in reads.job_table("24h")} == {
        "tests.jobs.add": 4,
        "tests.jobs.fail": 1,
    }
    assert redis.get("resque:stat:processed") == b"5"  # the existing counters go on as before


def test_a_duration_lands_in_the_bucket_of_what_the_worker_measured(redis, ledger, work_here):
    test_jobs.sleep_for.delay(ledger, 0.25)
    work_here("default", fork=False)
    fields = redis.hgetall(minute_key(redis, "job", "tests.jobs.sleep_for"))
    measured_ms = int(fields[b"us"]) / 1000
    assert 250 <= measured_ms < 250 + 5000  # the sleep, and the worker's own steps around it
    assert fields[str(buckets.bucket_of(measured_ms)).encode()] == b"1"
    assert fields[b"n"] == b"1" and sum(int(v) for k, v in fields.items() if k.isdigit()) == 1
    (row,) = reads.job_table()
    assert row.total_ms == measured_ms and row.p50_ms <= buckets.upper_bound_ms(
        buckets.bucket_of(measured_ms)
    )
    duration = redis.hgetall(f"resque:dj:metrics:duration:{row.name}")
    assert duration[b"us"] == fields[b"us"]


def test_a_retried_attempt_counts_as_a_failure_that_was_retried(redis, ledger, work_here):
    handle = test_jobs.flaky.delay(ledger, 2)
    work_here("default", fork=False, until=lambda: handle.status == "succeeded")
    fields = redis.hgetall(minute_key(redis, "job", "tests.jobs.flaky"))
    assert (fields[b"n"], fields[b"f"], fields[b"r"]) == (b"2", b"1", b"1")
    assert totals(redis) == {
        "p default tests.jobs.flaky": 2,
        "f default tests.jobs.flaky": 1,
        "r default tests.jobs.flaky": 1,
    }


def test_waits_count_from_queue_time_and_payloads_without_one_are_left_out(redis, work_here):
    queued = time.time() - 5
    late = {"class": "tests.jobs.add", "args": [1, 2], "queue_time": queued}
    redis.rpush("resque:queue:default", json.dumps(late))
    redis.rpush("resque:queue:default", '{"class":"tests.jobs.add","args":[1,2]}')  # Ruby's
    redis.rpush("resque:queue:default", json.dumps({**late, "queue_time": "soon"}))
    test_jobs.add.delay(1, 2)  # waits a moment
    work_here("default", fork=False)
    fields = redis.hgetall(minute_key(redis, "wait", "default"))
    assert fields[b"n"] == b"2"
    assert fields[str(buckets.bucket_of(5000)).encode()] == b"1"
    (wait,) = reads.queue_waits()
    assert wait.queue == "default" and wait.jobs == 2 and wait.p95_ms > 3800
    assert table()["tests.jobs.add"].runs == 4  # every run counts; only the waits need the field


def test_minute_and_hour_keys_expire_and_the_all_time_ones_do_not(redis, work_here):
    test_jobs.add.delay(1, 2)
    work_here("default", fork=False)
    for kind, name in (("job", "tests.jobs.add"), ("wait", "default")):
        minute = minute_key(redis, kind, name)
        (hour,) = redis.keys(f"resque:dj:metrics:{kind}:h:*:{name}")
        assert recording.MINUTE_TTL - 60 < redis.ttl(minute) <= recording.MINUTE_TTL
        assert recording.HOUR_TTL - 60 < redis.ttl(hour) <= recording.HOUR_TTL
    assert redis.ttl(get_keys().metrics_totals()) == -1
    assert redis.ttl(get_keys().metrics_duration("tests.jobs.add")) == -1


def test_a_payload_naming_no_registered_job_counts_under_one_label(redis, work_here):
    for name in ("Nope::Missing", "also.missing", "tests.jobs.add.nope"):
        redis.rpush("resque:queue:default", json.dumps({"class": name, "args": []}))
    redis.rpush("resque:queue:default", b"not json")
    work_here("default", fork=False)
    assert set(table()) == {recording.UNKNOWN_JOB}
    assert table()[recording.UNKNOWN_JOB].runs == 4
    assert redis.keys("resque:dj:metrics:duration:*") == [b"resque:dj:metrics:duration:(unknown)"]


def test_with_metrics_off_a_worker_writes_no_metrics_key(redis, work_here, settings):
    settings.RESQUE = {**settings.RESQUE, "METRICS": False}
    test_jobs.add.delay(1, 2)
    test_jobs.fail.delay("boom")
    work_here("default", fork=False)
    assert redis.keys("resque:dj:metrics:*") == []
    assert redis.get("resque:stat:processed") == b"2"


def test_hostile_metrics_keys_never_stop_a_worker(redis, work_here):
    keys = get_keys()
    redis.set(keys.metrics_totals(), "not a hash")
    redis.hset(keys.metrics_duration("tests.jobs.add"), "us", "not a number")
    minute = int(time.time() // 60)
    for m in (minute, minute + 1):
        redis.set(keys.metrics_job("m", m, "tests.jobs.add"), "a string")
        redis.hset(keys.metrics_wait("m", m, "default"), "n", "x")
    handles = [test_jobs.add.delay(i, 1) for i in range(2)]
    test_jobs.fail.delay("boom")
    work_here("default", fork=False)
    assert [h.result for h in handles] == [1, 2]
    assert redis.llen("resque:failed") == 1
    (hour,) = redis.keys("resque:dj:metrics:job:h:*:tests.jobs.add")
    assert redis.hget(hour, "n") == b"2"  # what could be written was


def test_a_forking_worker_process_records_what_its_children_ran(redis, ledger):
    for i in range(3):
        test_jobs.add.delay(i, 1)
    test_jobs.fail.delay("boom")
    result = run_command("resque_work", "--burst")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = table()
    assert (rows["tests.jobs.add"].runs, rows["tests.jobs.fail"].failures) == (3, 1)
    assert reads.queue_waits()[0].jobs == 4


def test_a_threaded_worker_records_each_slots_jobs(redis, ledger, command_here):
    for i in range(6):
        test_jobs.sleep_for.delay(ledger, 0.05 * (i % 2))
    test_jobs.fail.delay("boom")
    command_here("resque_work", "--burst", "--threads", "3")
    rows = table()
    assert rows["tests.jobs.sleep_for"].runs == 6 and rows["tests.jobs.sleep_for"].failures == 0
    assert rows["tests.jobs.fail"].failures == 1
    assert totals(redis)["p default tests.jobs.sleep_for"] == 6


@pytest.mark.parametrize("pause", [False, True], ids=["shutdown", "pause"])
def test_what_a_worker_holds_at_a_pause_or_shutdown_is_recorded(redis, pause):
    from django_resque.jobs.outcome import Outcome
    from django_resque.jobs.payload import decode
    from django_resque.worker.loop import Worker
    from django_resque.worker.registration import register

    test_jobs.no_result.delay("ledger")  # no status: no success for the shutdown to store
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    queue, raw = worker.reserve()
    worker.slot.record(queue, raw, decode(raw), Outcome.success("ok"))
    assert redis.keys("resque:dj:metrics:job:*") == []  # held for the next call
    if pause:
        worker.interval = 0.01
        worker.signals.paused = True
        worker.work_once()
    else:
        worker.shutdown()
    assert table()["tests.jobs.no_result"].runs == 1
