"""Network faults between a worker host and Redis: cut links, black holes, lost replies.

Each test puts a TCP proxy (tests/netproxy.py) between a real worker process (or the test's own
client) and the test's redis-server, and fails the link while jobs run. Other workers connect
directly, as hosts whose network is fine.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_py

from django_resque.exceptions import EnqueueError
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import decode_or_none
from django_resque.jobs.perform import perform
from django_resque.storage import scripts
from django_resque.worker.loop import Worker
from django_resque.worker.registration import register
from tests import jobs
from tests import test_scheduler_processes as scheduler_processes
from tests.helpers import RedisServer, wait_until
from tests.netproxy import NetProxy
from tests.test_scheduler_processes import assert_each_slot_once, every_second, fired_slots

# Worker processes behind a failing link: about Redis and processes, not about Django.
pytestmark = pytest.mark.one_leg(leg=1)

# Heartbeat every 0.3 s, dead after 3 s without one; a black-holed command gives up after 1 s.
start_scheduler = scheduler_processes.start_scheduler  # the fixture, shared
LEADER = "resque:dj:scheduler:leader"
FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "3"}


@pytest.fixture
def proxy(redis_server: RedisServer) -> Iterator[NetProxy]:
    """A proxy in front of the session's redis-server, passing until the test fails it."""
    running = NetProxy(redis_server.port).start()
    yield running
    running.stop()


def started(ledger: str) -> list[list[str]]:
    return [r for r in jobs.read_ledger(ledger) if r[0] == "start"]


def ended(ledger: str) -> list[list[str]]:
    return [r for r in jobs.read_ledger(ledger) if r[0] == "end"]


def host_ids(redis: redis_py.Redis, host: str) -> list[str]:
    return [w.decode() for w in redis.smembers("resque:workers") if w.startswith(host.encode())]


def stop(worker: subprocess.Popen[str], log: Path | None = None) -> str:
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    return log.read_text() if log is not None else output


@pytest.mark.parametrize(
    ("fail", "threads"),
    [(False, []), (True, []), (True, ["--threads", "2"])],
    ids=["succeeds", "fails", "fails-threaded"],
)
def test_a_worker_cut_off_past_its_heartbeat_timeout_records_nothing_over_the_job_run_elsewhere(
    redis, ledger, tmp_path, proxy, start_worker, fail, threads
):
    release = tmp_path / "release"
    log = tmp_path / "cut-off.log"
    with log.open("w") as out:
        env = {"RESQUE_TEST_REDIS_URL": proxy.url, "RESQUE_TEST_HOSTNAME": "cut-off", **FAST}
        cut_off = start_worker("--queues", "default", "-v", "2", *threads, env=env, stdout=out)
    handle = jobs.until_file.delay(ledger, "t", str(release), fail)
    wait_until(lambda: started(ledger), timeout=30)
    proxy.cut()
    healthy = start_worker("--queues", "default", env={"RESQUE_TEST_HOSTNAME": "healthy", **FAST})
    # The healthy host prunes the silent one (its heartbeat is 3 s old) and runs the job again.
    (first, second) = wait_until(lambda: len(started(ledger)) == 2 and started(ledger), timeout=30)
    assert first[2] != second[2]
    Path(f"{release}.{second[2]}").touch()
    wait_until(lambda: handle.status == ("failed" if fail else "succeeded"), timeout=30)
    wait_until(lambda: redis.get("resque:stat:processed") == b"1", timeout=30)

    proxy.heal()
    Path(f"{release}.{first[2]}").touch()  # the cut-off run ends as its link heals
    wait_until(lambda: "event=was-pruned" in log.read_text(), timeout=30)
    wait_until(lambda: host_ids(redis, "cut-off"), timeout=30)  # registered again
    stop(healthy)
    jobs.record.delay(ledger, "afterwards")  # the cut-off host goes on working
    wait_until(lambda: [r for r in jobs.read_ledger(ledger) if r[0] == "afterwards"], timeout=30)
    output = stop(cut_off, log)

    # The healthy host's run ended; the cut-off one ended too, or was killed as its worker
    # learnt it was pruned, if a heartbeat got through first: either way nothing of it counts.
    assert second[2] in {r[2] for r in ended(ledger)}
    assert redis.get("resque:stat:processed") == b"2"
    assert int(redis.get("resque:stat:failed") or 0) == (1 if fail else 0)
    assert redis.llen("resque:failed") == (1 if fail else 0)
    if fail:
        (failure,) = [json.loads(f) for f in redis.lrange("resque:failed", 0, -1)]
        assert failure["worker"].startswith("healthy:")
    info = handle.info()
    assert info is not None and info.attempts == 2
    if not fail:
        assert handle.result == "t"
    assert "Traceback" not in output


def test_a_worker_whose_link_goes_silent_times_out_logs_it_and_works_again_once_it_heals(
    redis, ledger, tmp_path, proxy, start_worker
):
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        env = {"RESQUE_TEST_REDIS_URL": proxy.url, "RESQUE_TEST_SOCKET_TIMEOUT": "1", **FAST}
        worker = start_worker("--queues", "default", env=env, stdout=out)
    wait_until(lambda: redis.smembers("resque:workers"), timeout=30)
    proxy.black_hole()  # connections are accepted, nothing comes back
    silent_since = time.monotonic()
    wait_until(lambda: "event=redis-unavailable" in log.read_text(), timeout=10)
    assert time.monotonic() - silent_since < 5  # SOCKET_TIMEOUT (1 s), not forever
    wait_until(lambda: log.read_text().count("event=redis-unavailable") >= 2, timeout=10)
    assert worker.poll() is None  # waiting, not crashed
    proxy.heal()
    jobs.record.delay(ledger, "after")
    wait_until(lambda: jobs.read_ledger(ledger), timeout=30)
    output = stop(worker, log)
    assert "Timeout reading from" in output or "Timeout connecting to" in output
    assert "Traceback" not in output


def test_delay_through_a_silent_link_raises_enqueue_error_within_the_socket_timeout(
    redis, proxy, settings
):
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": proxy.url, "SOCKET_TIMEOUT": 1.0}
    jobs.add.delay(1, 2)  # the link works: the client is connected when it goes silent
    proxy.black_hole()
    began = time.monotonic()
    with pytest.raises(EnqueueError, match="did not confirm") as silent:
        jobs.add.delay(1, 2)
    assert time.monotonic() - began < 3
    assert silent.value.outcome_unknown is True  # sent, unanswered: it may be stored
    proxy.cut()
    with pytest.raises(EnqueueError, match="Nothing was stored") as refused:
        jobs.add.delay(1, 2)
    assert refused.value.outcome_unknown is False
    proxy.heal()
    jobs.add.delay(1, 2)
    assert redis.llen("resque:queue:default") == 2


def test_replies_lost_after_the_worker_s_scripts_ran_lose_no_job_and_run_none_twice(
    redis, ledger, tmp_path, proxy, start_worker
):
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        env = {"RESQUE_TEST_REDIS_URL": proxy.url, **FAST}
        worker = start_worker("--queues", "default", "-v", "2", env=env, stdout=out)
    wait_until(lambda: redis.smembers("resque:workers"), timeout=30)
    tokens = [f"j{i}" for i in range(20)]
    for done, token in enumerate(tokens, 1):
        jobs.record.delay(ledger, token)
        proxy.drop_next_reply()  # whatever the worker sends next runs; its reply never comes
        wait_until(lambda n=done: proxy.replies_dropped == n, timeout=30)
    wait_until(lambda: len(jobs.read_ledger(ledger)) >= len(tokens), timeout=60)
    wait_until(lambda: redis.get("resque:stat:processed") == str(len(tokens)).encode(), timeout=30)
    output = stop(worker, log)
    assert sorted(r[0] for r in jobs.read_ledger(ledger)) == sorted(tokens)  # each exactly once
    assert redis.llen("resque:queue:default") == 0
    assert redis.get("resque:stat:processed") == str(len(tokens)).encode()
    assert "Traceback" not in output


def test_a_scheduler_cut_off_past_its_lease_is_replaced_and_enqueues_nothing_when_it_is_back(
    redis, proxy, start_scheduler
):
    every_second()
    cut_off = start_scheduler(RESQUE_TEST_REDIS_URL=proxy.url, RESQUE_TEST_HOSTNAME="sched-a")
    wait_until(lambda: (redis.get(LEADER) or b"").startswith(b"sched-a:"), timeout=60)
    start_scheduler(RESQUE_TEST_HOSTNAME="sched-b")
    wait_until(lambda: len(fired_slots(redis)) >= 2, timeout=60)
    proxy.cut()
    wait_until(lambda: (redis.get(LEADER) or b"").startswith(b"sched-b:"), timeout=60)
    seen = len(fired_slots(redis))
    wait_until(lambda: len(fired_slots(redis)) >= seen + 2, timeout=60)
    proxy.heal()
    log = Path(cut_off.log_path)  # type: ignore[attr-defined]
    wait_until(lambda: "event=follower" in log.read_text() or "lease_lost" in log.read_text())
    seen = len(fired_slots(redis))
    wait_until(lambda: len(fired_slots(redis)) >= seen + 3, timeout=60)
    assert (redis.get(LEADER) or b"").startswith(b"sched-b:")
    assert_each_slot_once(fired_slots(redis))


def test_a_job_that_ends_during_a_short_cut_is_recorded_once_the_link_heals_not_run_again(
    redis, ledger, tmp_path, proxy, start_worker
):
    release = tmp_path / "release"
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        env = {"RESQUE_TEST_REDIS_URL": proxy.url, **FAST}
        worker = start_worker("--queues", "default", "-v", "2", env=env, stdout=out)
    handle = jobs.until_file.delay(ledger, "t", str(release), False)
    ((_, _, pid),) = wait_until(lambda: started(ledger), timeout=30)
    proxy.cut()
    wait_until(lambda: "event=heartbeat-failed" in log.read_text(), timeout=10)
    Path(f"{release}.{pid}").touch()
    wait_until(lambda: ended(ledger), timeout=10)
    time.sleep(0.5)  # the worker has the outcome and no Redis; within HEARTBEAT_TIMEOUT (3 s)
    proxy.heal()
    wait_until(lambda: handle.status == "succeeded", timeout=30)
    wait_until(lambda: redis.get("resque:stat:processed") == b"1", timeout=30)
    time.sleep(1)  # time enough to run it again, if it were put back
    output = stop(worker, log)
    assert len(started(ledger)) == 1
    assert redis.get("resque:stat:processed") == b"1"
    assert "event=redis-unavailable" in output and "Traceback" not in output


def test_a_lost_reply_to_the_reserve_that_counted_a_job_does_not_count_it_again(
    redis, proxy, settings
):
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": proxy.url}
    first, second = jobs.add.delay(1, 2), jobs.add.delay(3, 4)
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    queue, raw = worker.slot.reserve()
    worker.slot.record(queue, raw, decode_or_none(raw), Outcome.success(3))
    proxy.drop_next_reply()  # the reserve that counts the first job and takes the second
    with pytest.raises(redis_py.ConnectionError):
        worker.slot.reserve()
    assert redis.get("resque:stat:processed") == b"1"  # it ran, its reply was lost
    queue, raw = worker.slot.reserve()  # the second job, put back and taken again
    assert decode_or_none(raw).id == second.id
    assert redis.get("resque:stat:processed") == b"1"
    assert first.status == "succeeded" and second.status == "running"
    worker.slot.record(queue, raw, decode_or_none(raw), Outcome.success(7))
    proxy.cut()  # this time the reserve never reaches Redis: its count is still to send
    with pytest.raises(redis_py.ConnectionError):
        worker.slot.reserve()
    proxy.heal()
    assert worker.slot.reserve() is None
    assert redis.get("resque:stat:processed") == b"2"
    assert second.status == "succeeded"


@pytest.mark.parametrize("sent_again_by", ["next-reserve", "same-outcome-again"])
@pytest.mark.parametrize("job", ["final-failure", "retried-failure"])
def test_a_lost_reply_to_the_call_that_records_a_failure_records_it_once(
    redis, proxy, settings, ledger, job, sent_again_by
):
    """A forking worker sends the call again before its next reserve; the threaded loop records
    the same outcome again. Either way the attempt is recorded once and the job not run again."""
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": proxy.url}
    if job == "final-failure":
        handle = jobs.fail.delay("on purpose")
    else:
        handle = jobs.always_fails.delay(ledger)
    redis.script_load(scripts.source("job_finish"))  # the reply dropped is the script's run
    worker = Worker(["default"])
    register(worker.id, worker.slot.token)
    queue, raw = worker.slot.reserve()
    failed = perform(raw)
    proxy.drop_next_reply()  # job_finish runs; its reply never comes
    with pytest.raises(redis_py.ConnectionError):
        worker.slot.record(queue, raw, decode_or_none(raw), failed)
    assert proxy.replies_dropped == 1
    recorded = {"final-failure": "resque:stat:failed", "retried-failure": "resque:stat:retried"}
    assert redis.get(recorded[job]) == b"1"  # it ran, its reply was lost
    if sent_again_by == "same-outcome-again":
        worker.slot.record(queue, raw, decode_or_none(raw), failed)
    assert worker.slot.reserve() is None  # nothing put back: the job was performed
    assert redis.get(recorded[job]) == b"1"
    assert redis.get("resque:stat:processed") == b"1"
    assert len(handle.info().errors) == 1
    if job == "final-failure":
        assert redis.llen("resque:failed") == 1
        assert redis.get(f"resque:stat:failed:{worker.id}") == b"1"
        assert handle.status == "failed"
    else:
        assert redis.zcard("resque:dj:retry") == 1  # one next attempt, due now
        assert redis.llen("resque:failed") == 0 and redis.get("resque:stat:failed") is None
        assert handle.status == "retrying"


@pytest.mark.parametrize("threads", [[], ["--threads", "1"]], ids=["forking", "threaded"])
def test_a_worker_that_loses_the_reply_recording_a_failure_records_it_once_and_runs_it_once(
    redis, ledger, tmp_path, proxy, start_worker, threads
):
    log = tmp_path / "worker.log"
    # No heartbeat falls due while a job runs: the next request is the failure's job_finish.
    beats = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "30", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "300"}
    with log.open("w") as out:
        env = {"RESQUE_TEST_REDIS_URL": proxy.url, **beats}
        worker = start_worker("--queues", "default", "-v", "2", *threads, env=env, stdout=out)
    wait_until(lambda: redis.smembers("resque:workers"), timeout=30)
    runs = 4
    for n in range(1, runs + 1):
        jobs.slow_fail.delay(ledger, 0.5)
        wait_until(lambda n=n: len(started(ledger)) == n, timeout=30)
        proxy.drop_next_reply()
        wait_until(lambda n=n: proxy.replies_dropped == n, timeout=30)
        wait_until(lambda n=n: redis.get("resque:stat:failed") == str(n).encode(), timeout=30)
    time.sleep(1)  # time enough to run one again, if it were put back
    output = stop(worker, log)
    assert len(started(ledger)) == runs  # none ran twice
    assert redis.get("resque:stat:failed") == str(runs).encode()
    assert redis.llen("resque:failed") == runs
    assert redis.get("resque:stat:processed") == str(runs).encode()
    assert output.count("event=failed") == runs and "Traceback" not in output
    assert "event=redis-unavailable" in output  # the lost replies were seen


def test_a_slow_link_delays_jobs_but_loses_and_repeats_none(
    redis, ledger, tmp_path, proxy, start_worker
):
    proxy.delay(0.06)  # 120 ms per round trip: a link to another region
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        env = {"RESQUE_TEST_REDIS_URL": proxy.url, "RESQUE_TEST_SOCKET_TIMEOUT": "2", **FAST}
        worker = start_worker("--queues", "default", env=env, stdout=out)
    wait_until(lambda: redis.smembers("resque:workers"), timeout=30)
    tokens = [f"s{i}" for i in range(5)]
    for token in tokens:
        jobs.record.delay(ledger, token)
    wait_until(lambda: redis.get("resque:stat:processed") == b"5", timeout=60)
    output = stop(worker, log)
    assert sorted(r[0] for r in jobs.read_ledger(ledger)) == tokens
    assert "event=redis-unavailable" not in output and "Traceback" not in output
