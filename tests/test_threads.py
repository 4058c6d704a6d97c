"""resque_work --threads N: many jobs at once in one process, with every job's record kept.

Overlap is read from the jobs' own start and end stamps. Real worker processes where the faults
(kill -9, timeouts, QUIT, TERM) or their output are the point; tests of what the threads do
with their jobs (async jobs, results, --max-jobs recycling) run the same command in the test
process (command_here, work_here), which forks its children as a worker process does.
"""

import json
import os
import signal
import socket
import time

import psutil
import pytest
import redis as redis_py
from django.core.management.base import CommandError

from django_resque import worker_registry
from tests import jobs
from tests.helpers import RedisServer, run_command, wait_until

FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "1.5"}


def burst(*args: str, env=None):
    result = run_command("resque_work", "--burst", "-v", "2", *args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def stamps(ledger, kind):
    """{token: (pid, thread, time)} of the ledger's `start` or `end` lines."""
    return {
        row[1]: (int(row[2]), row[3], float(row[4]))
        for row in jobs.read_ledger(ledger)
        if row[0] == kind
    }


def all_overlapped(ledger, n):
    """Every one of n runs started before any of them ended: they ran at the same time."""
    starts, ends = stamps(ledger, "start"), stamps(ledger, "end")
    assert len(starts) == n and len(ends) == n, (starts, ends)
    return max(t for _, _, t in starts.values()) < min(t for _, _, t in ends.values())


def failures(redis):
    return [json.loads(r) for r in redis.lrange("resque:failed", 0, -1)]


@pytest.mark.parametrize("mode", [[], ["--no-fork"]], ids=["fork", "no-fork"])
def test_jobs_overlap_in_threads_each_with_its_own_record(redis, ledger, mode):
    for n in range(4):
        jobs.overlap.delay(ledger, f"t{n}", 1.0)
    result = burst("--threads", "4", *mode)
    assert all_overlapped(ledger, 4)
    runs = stamps(ledger, "start").values()
    assert len({thread for _, thread, _ in runs}) == 4  # four threads
    assert len({pid for pid, _, _ in runs}) == 1  # of one process: the child, or the worker
    assert int(redis.get("resque:stat:processed")) == 4
    slots = {
        line.split("worker=")[1].split()[0]
        for line in result.stderr.splitlines()
        if "event=done" in line
    }
    assert len(slots) == 4 and all("+" in s.split(":")[1] for s in slots), slots
    assert not redis.smembers("resque:workers")  # every slot unregistered at the end


@pytest.mark.django_db(transaction=True)
def test_async_jobs_overlap_and_keep_their_results(redis, ledger, command_here):
    handles = [jobs.async_overlap.delay(ledger, f"a{n}", 1.0) for n in range(4)]
    command_here("resque_work", "--burst", "--threads", "4")
    assert all_overlapped(ledger, 4)
    assert len({loop for _, loop, _ in stamps(ledger, "start").values()}) == 1  # one event loop
    assert [h.result for h in handles] == ["a0", "a1", "a2", "a3"]


@pytest.mark.django_db(transaction=True)
def test_async_jobs_use_their_own_threads_database_connections(redis, ledger):
    for _ in range(4):
        jobs.async_database.delay(ledger)
    burst("--threads", "2")
    assert jobs.read_ledger(ledger) == [["async-db", "fresh", "0"]] * 4


def test_an_async_job_runs_on_a_worker_without_threads(redis, ledger, work_here):
    handle = jobs.async_overlap.delay(ledger, "solo", 0.01)
    work_here()
    assert handle.result == "solo"


def test_a_busy_worker_reserves_only_for_its_free_slots(redis, ledger, start_worker):
    for n in range(5):
        jobs.slow_record.delay(ledger, f"s{n}", 1.5)
    worker = start_worker("--threads", "2", env=FAST)
    wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "start"]) == 2)
    held = [k for k in redis.keys("resque:worker:*") if not k.endswith(b":started")]
    assert len(held) == 2 and redis.llen("resque:queue:default") == 3  # nothing hoarded
    records = [json.loads(redis.get(k)) for k in held]
    assert all(r["payload"]["class"] == "tests.jobs.slow_record" for r in records)
    listed = [w for w in worker_registry.all() if w.job is not None]
    assert len(listed) == 2 and {w.pid for w in listed} == {worker.pid}  # the admin's Workers page
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)


@pytest.mark.one_leg(leg=1)  # kill -9 or Redis outage: one Django leg is enough
def test_kill_9_of_the_child_fails_every_job_it_held_and_the_worker_goes_on(
    redis, ledger, start_worker
):
    for n in range(3):
        jobs.slow_record.delay(ledger, f"k{n}", 30)
    worker = start_worker("--threads", "3", env=FAST)
    starts = wait_until(
        lambda: len(rows := [r for r in jobs.read_ledger(ledger) if r[0] == "start"]) == 3 and rows
    )
    child = int(starts[0][2])
    assert child != worker.pid
    psutil.Process(child).kill()
    wait_until(lambda: redis.llen("resque:failed") == 3)
    assert all("killed by signal 9" in f["error"] for f in failures(redis))
    jobs.record.delay(ledger, "after")
    wait_until(lambda: [r for r in jobs.read_ledger(ledger) if r[0] == "after"])  # a new child
    worker.send_signal(signal.SIGQUIT)
    assert worker.wait(timeout=20) == 0


@pytest.mark.one_leg(leg=1)  # kill -9 or Redis outage: one Django leg is enough
def test_kill_9_of_the_worker_loses_no_job(redis, ledger, start_worker):
    for n in range(3):
        jobs.slow_record.delay(ledger, f"w{n}", 2)
    worker = start_worker("--threads", "3", env=FAST)
    wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "start"]) == 3)
    worker.kill()
    worker.wait(timeout=10)
    rescuer = start_worker("--threads", "3", env=FAST)  # prunes the dead slots, reruns the jobs
    wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "end"]) == 3, timeout=30)
    assert not failures(redis)
    rescuer.send_signal(signal.SIGQUIT)
    rescuer.wait(timeout=20)


def test_a_timed_out_job_fails_and_its_siblings_go_back_and_run(redis, ledger):
    jobs.overlap_past_timeout.delay(ledger, "late")
    for n in range(2):
        jobs.overlap.delay(ledger, f"sib{n}", 1.5)
    result = burst("--threads", "3")
    (failure,) = failures(redis)
    assert failure["exception"] == "JobTimeout" and "timeout of 1 s" in failure["error"]
    ends = stamps(ledger, "end")
    assert set(ends) == {"sib0", "sib1"}  # put back when the child was killed, then run
    starts = [r[1] for r in jobs.read_ledger(ledger) if r[0] == "start"]
    assert starts.count("sib0") == 2 and starts.count("sib1") == 2
    assert "reason=timeout" in result.stderr


def test_quit_lets_every_running_job_finish(redis, ledger, start_worker):
    for n in range(3):
        jobs.slow_record.delay(ledger, f"q{n}", 1.5)
    jobs.record.delay(ledger, "not-taken")
    worker = start_worker("--threads", "3")
    wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "start"]) == 3)
    worker.send_signal(signal.SIGQUIT)
    assert worker.wait(timeout=20) == 0
    assert len([r for r in jobs.read_ledger(ledger) if r[0] == "end"]) == 3
    assert redis.llen("resque:queue:default") == 1 and not redis.smembers("resque:workers")


@pytest.mark.parametrize("mode", [[], ["--no-fork"]], ids=["fork", "no-fork"])
def test_term_puts_the_unfinished_back_after_the_grace_period(redis, ledger, start_worker, mode):
    for n in range(3):
        jobs.slow_record.delay(ledger, f"t{n}", 30)
    worker = start_worker("--threads", "3", "--shutdown-timeout", "0.5", *mode)
    wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "start"]) == 3)
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=20)
    assert redis.llen("resque:queue:default") == 3 and not failures(redis)
    assert not redis.smembers("resque:workers")


@pytest.mark.django_db(transaction=True)
def test_each_job_thread_gets_fresh_database_connections(redis, ledger):
    for _ in range(4):
        jobs.use_database.delay(ledger)
    burst("--threads", "2")
    assert jobs.read_ledger(ledger) == [["fresh"]] * 4


def test_max_jobs_recycles_the_child_not_the_worker(redis, ledger, command_here):
    for n in range(6):
        jobs.overlap.delay(ledger, f"r{n}", 0.05)
    command_here("resque_work", "--burst", "--threads", "2", "--max-jobs", "1")
    pids = {pid for pid, _, _ in stamps(ledger, "start").values()}
    assert len(stamps(ledger, "end")) == 6 and len(pids) >= 3  # a fresh child after 1..2 jobs


@pytest.mark.parametrize("value", ["0", "-2", "257"])
def test_threads_out_of_range_is_a_command_error(command_here, value):
    with pytest.raises(CommandError, match="--threads must be a whole number from 1 to 256"):
        command_here("resque_work", "--burst", "--threads", value)


def test_threads_that_is_not_a_number_is_refused(command_here):
    with pytest.raises(CommandError, match="invalid int value: 'abc'"):
        command_here("resque_work", "--burst", "--threads", "abc")


def test_slot_ids_follow_node_resques_multiworker_names(redis, ledger, start_worker):
    jobs.slow_record.delay(ledger, "id", 30)
    worker = start_worker("--threads", "2", "--queues", "default,low")
    wait_until(lambda: len(redis.smembers("resque:workers")) == 2)
    host = socket.gethostname()
    assert {w.decode() for w in redis.smembers("resque:workers")} == {
        f"{host}:{worker.pid}+1:default,low",
        f"{host}:{worker.pid}+2:default,low",
    }
    os.kill(worker.pid, signal.SIGTERM)
    worker.wait(timeout=20)


def test_a_free_slot_takes_a_new_job_while_the_others_are_busy(redis, ledger, start_worker):
    jobs.overlap.delay(ledger, "long", 4)
    worker = start_worker("--threads", "2")
    wait_until(lambda: "long" in stamps(ledger, "start"))
    jobs.overlap.delay(ledger, "quick", 0.01)
    wait_until(lambda: "quick" in stamps(ledger, "end"))
    assert "long" not in stamps(ledger, "end")  # taken by the free slot, not after the long one
    worker.send_signal(signal.SIGQUIT)
    assert worker.wait(timeout=20) == 0


def test_usr1_kills_the_child_failing_each_job_it_held(redis, ledger, start_worker):
    for n in range(2):
        jobs.slow_record.delay(ledger, f"u{n}", 30)
    worker = start_worker("--threads", "2")
    wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "start"]) == 2)
    worker.send_signal(signal.SIGUSR1)
    wait_until(lambda: redis.llen("resque:failed") == 2)
    assert all("killed by SIGUSR1" in f["error"] for f in failures(redis))
    worker.send_signal(signal.SIGQUIT)
    assert worker.wait(timeout=20) == 0


def test_sync_and_async_jobs_share_a_queue(redis, ledger, command_here):
    jobs.overlap.delay(ledger, "sync", 0.5)
    jobs.async_overlap.delay(ledger, "async", 0.5)
    command_here("resque_work", "--burst", "--threads", "2", "--no-fork")
    assert all_overlapped(ledger, 2)


def test_retries_hooks_results_and_stats_behave_as_with_one_job_at_a_time(
    redis, ledger, start_worker
):
    from django_resque.results import stats

    flaky = jobs.flaky.delay(ledger, 3)
    hooked = jobs.hooked.delay(ledger, False)
    worker = start_worker("--threads", "2")
    final = flaky.wait(timeout=60)
    assert final is not None and final.status == "succeeded" and final.attempts == 3, final
    assert hooked.wait(timeout=30).result is not None
    names = [r[0] for r in jobs.read_ledger(ledger) if not r[0].isdigit()]
    assert [n for n in names if n not in ("flaky",)][-5:] == [
        "before_perform",
        "around:before",
        "perform",
        "around:after",
        "after_perform",
    ]
    assert stats.get("retried") == 2 and not redis.llen("resque:failed")
    worker.send_signal(signal.SIGQUIT)
    assert worker.wait(timeout=20) == 0
    assert int(redis.get("resque:stat:processed")) == 4  # two failed attempts count, as Ruby's


@pytest.mark.one_leg(leg=1)  # kill -9 or Redis outage: one Django leg is enough
def test_a_threaded_worker_waits_out_a_redis_outage_and_loses_no_job(ledger, start_worker):
    server = RedisServer(appendonly=True).start()  # a restart keeps what was queued
    client = redis_py.Redis.from_url(server.url)
    env = {"RESQUE_TEST_REDIS_URL": server.url, **FAST}
    try:
        for n in range(4):
            client.rpush(
                "resque:queue:default",
                json.dumps({"class": "tests.jobs.slow_record", "args": [ledger, f"o{n}", 1.0]}),
            )
        worker = start_worker("--threads", "2", env=env)
        wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "start"]) >= 2)
        port = server.port
        server.stop()  # the two running jobs finish while Redis is down
        time.sleep(1.5)
        assert worker.poll() is None  # waiting, not crashed
        server = RedisServer(port=port, appendonly=True, directory=server.dir).start()
        client = redis_py.Redis.from_url(server.url)
        wait_until(
            lambda: len({r[1] for r in jobs.read_ledger(ledger) if r[0] == "end"}) == 4, timeout=40
        )
        worker.send_signal(signal.SIGQUIT)
        output, _ = worker.communicate(timeout=30)
        assert "event=redis-unavailable" in output and "Traceback" not in output
    finally:
        server.stop()
