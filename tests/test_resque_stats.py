"""manage.py resque_stats: the tables, the JSON document, --watch, bad options, Redis down."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from django_resque.monitoring import workers as worker_registry
from django_resque.queues import delayed
from django_resque.queues import lists as queues
from django_resque.scheduler import schedules
from tests import jobs
from tests.helpers import ROOT, manage, wait_until, worker_env


def redis_seconds(redis) -> float:
    seconds, micros = redis.time()
    return seconds + micros / 1_000_000


def seed(redis, work_here) -> None:
    """Two jobs run (one fails), then queues, a delayed job and a schedule are left waiting."""
    jobs.add.delay(1, 2)
    jobs.fail.delay("boom")
    work_here("default", fork=False)
    php = {"class": "Mailer", "args": [], "queue_time": redis_seconds(redis) - 150}
    queues.push("default", json.dumps(php), json.dumps({**php, "queue_time": 1}))
    queues.push("ruby", json.dumps({"class": "Billing::Charge", "args": [5]}))
    redis.sadd("resque:queues", "empty")
    queues.pause("ruby")
    delayed.enqueue_at(datetime.now(UTC) + timedelta(hours=2), "tests.jobs.add", 1, 2)
    schedules.set("nightly", cron="0 3 * * *", job="tests.jobs.add", args=[1, 2])


def row_of(lines: list[str], first: str) -> str:
    return next(line for line in lines if line.split()[:1] == [first])


def stats_json(command_here, *args: str) -> dict:
    out, _ = command_here("resque_stats", "--json", *args)
    return json.loads(out)


def test_the_json_document_has_queues_latency_totals_failures_delayed_and_schedules(
    redis, work_here, command_here
):
    seed(redis, work_here)
    doc = stats_json(command_here)
    by_name = {q["name"]: q for q in doc["queues"]}
    assert list(by_name) == ["default", "empty", "ruby"]
    assert by_name["default"]["size"] == 2 and not by_name["default"]["paused"]
    assert 150 <= by_name["default"]["latency"] < 200  # the head's age, not the older second job
    assert by_name["ruby"] == {
        "name": "ruby",
        "size": 1,
        "paused": True,
        "latency": None,
        "latency_note": (
            "The oldest job's payload has no queue_time (Ruby's and Node's clients write none), "
            "so its age is unknown."
        ),
    }
    assert by_name["empty"]["latency"] is None and by_name["empty"]["latency_note"]
    assert doc["totals"] == {"processed": 2, "failed": 1}
    assert doc["failures"] == {"count": 1}
    assert doc["delayed"]["count"] == 1 and doc["delayed"]["next_at"].endswith("Z")
    assert doc["schedules"]["count"] == 1 and doc["schedules"]["active"] == 1
    assert doc["schedules"]["next_at"].endswith("T03:00:00Z")
    assert doc["workers"] == [] and doc["redis"].startswith("redis://127.0.0.1:")


def test_the_table_shows_a_real_working_worker_and_fits_in_120_columns(
    redis, work_here, command_here, start_worker, ledger
):
    seed(redis, work_here)
    jobs.sleep_for.using(queue="slow").delay(ledger, 30)
    worker = start_worker("--queues", "slow")
    wait_until(lambda: any(w.job for w in worker_registry.all()), timeout=60)
    out, _ = command_here("resque_stats")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 120
    row = next(line for line in lines if "tests.jobs.sleep_for" in line)
    assert str(worker.pid) in row and "working" in row and "slow" in row and "ago" in row
    assert row_of(lines, "default").split() == ["default", "2", "2", "min", "active"]
    assert row_of(lines, "ruby").split() == ["ruby", "1", "unknown", "paused"]
    assert row_of(lines, "empty").split() == ["empty", "0", "-", "active"]
    assert "Processed  2" in out and "failed jobs kept: 1" in out
    assert "Delayed    1  (next due" in out and "Schedules  1  (1 active; next firing" in out
    doc = stats_json(command_here)
    (seen,) = doc["workers"]
    assert (seen["pid"], seen["state"], seen["queue"], seen["job"]) == (
        worker.pid,
        "working",
        "slow",
        "tests.jobs.sleep_for",
    )


def test_queues_restricts_the_queues_shown(redis, work_here, command_here):
    seed(redis, work_here)
    doc = stats_json(command_here, "--queues", "ruby,nosuch")
    assert [(q["name"], q["size"]) for q in doc["queues"]] == [("ruby", 1), ("nosuch", 0)]


def test_with_nothing_in_redis_the_table_says_so(command_here):
    out, _ = command_here("resque_stats")
    assert "No queues yet." in out and "No workers registered." in out
    assert "Delayed    0\n" in out and "Schedules  0  (0 active)" in out


def test_hostile_names_and_records_render_without_escapes_reaching_the_terminal(
    redis, command_here
):
    redis.sadd("resque:queues", "evil\x1b[2Jqueue")
    wid = "host\x1b]0;x\x07:12:default"
    redis.sadd("resque:workers", wid)
    redis.set(f"resque:worker:{wid}", b"\xff not json")
    out, _ = command_here("resque_stats")
    assert "\x1b" not in out and "\x07" not in out
    assert "evil?[2Jqueue" in out and "working" in out
    (seen,) = stats_json(command_here)["workers"]
    assert seen["job"] is None and seen["state"] == "working"


def test_long_names_are_cut_so_the_tables_fit_in_120_columns(redis, command_here):
    long = "q" * 300
    queues.push(long, json.dumps({"class": "J" * 300, "args": []}))
    wid = f"{'h' * 200}:4194304:{long}"
    redis.sadd("resque:workers", wid)
    record = {"queue": long, "run_at": "2026-01-12T20:23:55Z", "payload": {"class": "J" * 300}}
    redis.set(f"resque:worker:{wid}", json.dumps(record))
    redis.hset("resque:workers:heartbeat", wid, "2000-01-12T20:23:55+00:00")
    out, _ = command_here("resque_stats")
    lines = out.splitlines()[1:]  # the first line names the Redis, as long as its URL
    assert max(len(line) for line in lines) <= 120
    assert "q" * 23 + "~" in out and "J" * 31 + "~" in out and "working stale" in out
    assert stats_json(command_here)["workers"][0]["job"] == "J" * 300


def test_the_table_lists_fifty_workers_and_the_json_lists_them_all(redis, command_here):
    redis.sadd("resque:workers", *(f"web{n:02}:{1000 + n}:default" for n in range(55)))
    out, _ = command_here("resque_stats")
    assert "web49" in out and "web50" not in out
    assert "... and 5 more workers (--json lists them all)\n55 workers, 0 working" in out
    assert len(stats_json(command_here)["workers"]) == 55


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", ""])
def test_a_watch_interval_that_is_not_a_positive_number_is_a_command_error(value):
    with pytest.raises(CommandError, match="--watch needs a number of seconds above 0"):
        call_command("resque_stats", watch=value)


@pytest.mark.parametrize("value", ["", ",", "a,,b"])
def test_an_empty_or_gappy_queues_option_is_a_command_error(value):
    with pytest.raises(CommandError, match="--queues needs comma-separated queue names"):
        call_command("resque_stats", queues=value)


def test_with_redis_down_it_is_a_command_error_naming_the_server(settings):
    down = "redis://:secret@127.0.0.1:1/0"
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": down, "SOCKET_CONNECT_TIMEOUT": 1}
    with pytest.raises(
        CommandError, match=r"Redis at redis://:\*\*\*@127.0.0.1:1/0 is unreachable"
    ):
        call_command("resque_stats")


def test_watch_redraws_until_ctrl_c_and_then_exits_zero(redis):
    queues.push("default", json.dumps({"class": "Mailer", "args": []}))
    proc = subprocess.Popen(
        manage("resque_stats", "--watch", "0.2"),
        env=worker_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        frames = 0
        deadline = time.monotonic() + 60
        while frames < 2 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            frames += line.startswith("\x1b[H\x1b[2JResque at ")
        assert frames == 2
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_watch_with_json_prints_one_document_a_line(redis):
    proc = subprocess.Popen(
        manage("resque_stats", "--watch", "0.1", "--json"),
        env=worker_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        documents = [json.loads(proc.stdout.readline()) for _ in range(2)]
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0
    assert all(d["queues"] == [] and "taken_at" in d for d in documents)
