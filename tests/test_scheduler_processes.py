"""Schedulers as real processes (reliability.md §9 row E): several at once, kill -9, SIGSTOP,
wrong host clocks, and kill -9 in the middle of promoting thousands of delayed jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError

from django_resque import __version__
from django_resque.queues import delayed
from django_resque.scheduler import schedules
from tests.helpers import ROOT, manage, wait_until, worker_env

CLOCK_SKEW = str(ROOT / "tests" / "clock_skew")
Start = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def start_scheduler(tmp_path: Path) -> Iterator[Start]:
    """Start `manage.py resque_scheduler` processes; kill whatever is left of them at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, clock_offset: int = 0, **extra: str) -> subprocess.Popen[str]:
        env = worker_env(**extra)
        if clock_offset:
            env["PYTHONPATH"] = os.pathsep.join([CLOCK_SKEW, env["PYTHONPATH"]])
            env["RESQUE_TEST_CLOCK_OFFSET"] = str(clock_offset)
        log = open(tmp_path / f"scheduler-{len(started)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            manage("resque_scheduler", "--interval", "0.2", "-v", "2", *args),
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        proc.log_path = log.name  # type: ignore[attr-defined]
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
        proc.wait(timeout=10)


def every_second(**extra: object) -> None:
    schedules.set(
        "tick",
        cron="* * * * * *",
        job="tests.jobs.add",
        args=[1, 2],
        catchup="all",
        max_catchup=100,
        **extra,
    )


def fired_slots(redis, queue: str = "default") -> list[int]:
    return [json.loads(raw)["slot"] for raw in redis.lrange(f"resque:queue:{queue}", 0, -1)]


def assert_each_slot_once(slots: list[int]) -> None:
    assert len(slots) == len(set(slots)), "a slot fired twice"
    assert sorted(slots) == list(range(min(slots), max(slots) + 1)), "a slot was lost"


def leader_pid(redis) -> int | None:
    value = redis.get("resque:dj:scheduler:leader")
    return int(value.decode().split(":")[-2]) if value else None


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


@pytest.mark.one_leg(leg=1)  # several processes racing over Redis; one Django leg is enough
def test_three_schedulers_on_a_one_second_cron_enqueue_each_slot_exactly_once(
    redis, start_scheduler
):
    every_second()
    procs = [start_scheduler() for _ in range(3)]
    wait_until(lambda: len(fired_slots(redis)) >= 6, timeout=60)
    assert [stop(p) for p in procs] == [0, 0, 0]
    assert_each_slot_once(fired_slots(redis))
    assert redis.get("resque:dj:scheduler:leader") is None  # released on a graceful stop
    assert redis.hget("resque:delayed:last_enqueued_at", "tick")


@pytest.mark.one_leg(leg=1)  # several processes racing over Redis; one Django leg is enough
def test_when_the_leader_is_killed_a_follower_takes_over_without_losing_a_slot(
    redis, start_scheduler
):
    every_second()
    procs = {p.pid: p for p in (start_scheduler(), start_scheduler())}
    wait_until(lambda: len(fired_slots(redis)) >= 3, timeout=60)
    first = wait_until(lambda: leader_pid(redis), timeout=60)
    procs[first].kill()
    procs[first].wait(timeout=10)
    wait_until(lambda: leader_pid(redis) not in (None, first), timeout=60)
    seen = len(fired_slots(redis))
    wait_until(lambda: len(fired_slots(redis)) >= seen + 3, timeout=60)
    assert_each_slot_once(fired_slots(redis))


@pytest.mark.one_leg(leg=1)  # several processes racing over Redis; one Django leg is enough
def test_a_leader_stopped_past_its_lease_enqueues_nothing_when_it_wakes(redis, start_scheduler):
    every_second()
    procs = {p.pid: p for p in (start_scheduler(), start_scheduler())}
    wait_until(lambda: len(fired_slots(redis)) >= 3, timeout=60)
    stale = wait_until(lambda: leader_pid(redis), timeout=60)
    os.kill(stale, signal.SIGSTOP)
    wait_until(lambda: leader_pid(redis) not in (None, stale), timeout=60)
    seen = len(fired_slots(redis))
    wait_until(lambda: len(fired_slots(redis)) >= seen + 2, timeout=60)
    os.kill(stale, signal.SIGCONT)
    log = Path(procs[stale].log_path)  # type: ignore[attr-defined]
    wait_until(
        lambda: "event=follower" in log.read_text() or "event=lease_lost" in log.read_text(),
        timeout=60,
    )
    seen = len(fired_slots(redis))
    wait_until(lambda: len(fired_slots(redis)) >= seen + 3, timeout=60)
    assert leader_pid(redis) != stale
    assert_each_slot_once(fired_slots(redis))


@pytest.mark.one_leg(leg=1)  # several processes racing over Redis; one Django leg is enough
def test_schedulers_whose_host_clocks_are_minutes_off_follow_redis_time(redis, start_scheduler):
    every_second()
    delayed.enqueue_in(timedelta(minutes=2), "tests.jobs.add", 1, 2, queue="later")
    start_scheduler(clock_offset=300)
    start_scheduler(clock_offset=-300)
    wait_until(lambda: len(fired_slots(redis)) >= 5, timeout=60)
    now, _ = redis.time()
    slots = fired_slots(redis)
    assert max(slots) <= now, "a slot fired before Redis's clock reached it"
    assert_each_slot_once(slots)
    assert delayed.count() == 1 and redis.llen("resque:queue:later") == 0


@pytest.mark.chaos
@pytest.mark.one_leg(leg=1)
def test_kill_9_while_promoting_ten_thousand_due_jobs_loses_and_duplicates_none(
    redis, start_scheduler
):
    total = 50_000 if os.environ.get("RESQUE_CHAOS_FULL") else 10_000
    now, _ = redis.time()
    with redis.pipeline(transaction=False) as pipe:
        for i in range(total):
            ts = now - 100 + i % 50
            item = json.dumps(
                {"class": "tests.jobs.add", "args": [i, 0], "queue": "bulk"}, separators=(",", ":")
            )
            pipe.rpush(f"resque:delayed:{ts}", item)
            pipe.sadd(f"resque:timestamps:{item}", f"delayed:{ts}")
            pipe.zadd("resque:delayed_queue_schedule", {str(ts): ts})
        pipe.execute()
    at_kill = []
    for kills in range(3):
        proc = start_scheduler(RESQUE_TEST_DELAYED_BATCH="5")
        target = (kills + 1) * total // 5
        wait_until(
            lambda target=target: redis.llen("resque:queue:bulk") >= target,
            timeout=60,
            interval=0.005,
        )
        proc.kill()
        proc.wait(timeout=10)
        at_kill.append(redis.llen("resque:queue:bulk"))
    assert any(0 < n < total for n in at_kill), "no kill landed in the middle of promotion"
    start_scheduler()
    wait_until(
        lambda: (
            redis.llen("resque:queue:bulk") >= total
            and not redis.exists("resque:delayed_queue_schedule")
        ),
        timeout=60,
    )
    args = [json.loads(raw)["args"][0] for raw in redis.lrange("resque:queue:bulk", 0, -1)]
    assert sorted(args) == list(range(total))
    assert redis.keys("resque:timestamps:*") == [] and redis.keys("resque:delayed:1*") == []


def test_a_scheduler_back_from_five_missed_slots_follows_each_entrys_catchup_policy(
    redis, start_scheduler
):
    """One scheduler serves an entry for each policy, each on its own queue."""
    day = 86400  # a daily grid, so no new slot falls due while the test runs
    now, _ = redis.time()
    latest = now - now % day
    policies = {  # entry (and queue) name: (catchup, max_catchup, slots expected)
        "skip_10": ("skip", 10, 0),
        "once_10": ("once", 10, 1),
        "all_10": ("all", 10, 5),
        "all_3": ("all", 3, 3),
    }
    for name, (catchup, max_catchup, _) in policies.items():
        schedules.set(
            name,
            every=day,
            job="tests.jobs.add",
            queue=name,
            catchup=catchup,
            max_catchup=max_catchup,
            misfire_grace=0,
        )
        redis.hset("resque:dj:scheduler:last_slot", name, latest - 5 * day)  # down for 5 slots
    proc = start_scheduler()
    wait_until(
        lambda: all(
            int(redis.hget("resque:dj:scheduler:last_slot", name)) == latest for name in policies
        ),
        timeout=60,
    )
    assert stop(proc) == 0
    for name, (_, _, expected) in policies.items():
        fired = fired_slots(redis, queue=name)
        assert fired == [latest - n * day for n in reversed(range(expected))], name


def test_list_prints_every_entry_with_its_next_run(redis, command_here):
    every_second()
    schedules.set("nightly", cron="30 2 * * *", job="tests.jobs.add", timezone="Europe/Berlin")
    schedules.pause("nightly")
    out, _ = command_here("resque_scheduler", "--list")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["NAME", "WHEN", "JOB"]
    assert any(line.startswith("nightly") and "paused dynamic" in line for line in lines)
    assert any(line.startswith("tick") and "* * * * * *" in line for line in lines)


def test_list_says_so_when_there_are_no_schedules(redis, command_here):
    out, _ = command_here("resque_scheduler", "--list")
    assert "No schedules" in out


def test_a_delayed_job_is_promoted_and_then_performed_by_a_worker(
    redis, ledger, start_scheduler, work_here
):
    from tests import jobs

    handle = jobs.record.enqueue_in(timedelta(seconds=1), ledger, "later")
    start_scheduler()
    wait_until(lambda: redis.llen("resque:queue:default") == 1, timeout=60)
    assert json.loads(redis.lindex("resque:queue:default", 0))["id"] == handle.id
    work_here("default")
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["later"]


def test_a_bad_interval_is_a_command_error(command_here):
    with pytest.raises(CommandError, match="--interval must be more than 0"):
        command_here("resque_scheduler", "--interval", "0")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGQUIT])
def test_int_and_quit_stop_the_scheduler_gracefully_and_its_title_says_what_it_is(
    redis, start_scheduler, sig
):
    import psutil

    every_second()
    proc = start_scheduler()
    wait_until(lambda: fired_slots(redis), timeout=60)

    def title() -> str:
        return " ".join(psutil.Process(proc.pid).cmdline())

    wait_until(lambda: "Leader: promoted" in title(), timeout=60)  # set after each pass
    assert title().startswith(f"resque-scheduler-{__version__}: Leader: promoted 0, fired ")
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == 0
    assert redis.get("resque:dj:scheduler:leader") is None
    assert "event=stopped" in Path(proc.log_path).read_text()  # type: ignore[attr-defined]
