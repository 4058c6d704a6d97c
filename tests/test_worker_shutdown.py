"""Worker faults and shutdown (reliability.md §9 B): signals, kill -9, SIGSTOP; nothing lost."""

import json
import os
import random
import signal
import time

import psutil
import pytest

from tests import jobs
from tests.helpers import process_title, wait_until

# Signals to worker processes: processes and Redis are the subject, not Django (the tests
# marked leg 2 below run on the other leg, to share the time).
pytestmark = pytest.mark.one_leg(leg=1)

FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "1.5"}


def rows(ledger, kind, token=None):
    return [r for r in jobs.read_ledger(ledger) if r[0] == kind and token in (None, r[1])]


def started_child(ledger, token="t"):
    return int(wait_until(lambda: rows(ledger, "start", token))[-1][2])


def worker_id(redis, pid):
    return next(m.decode() for m in redis.smembers("resque:workers") if f":{pid}:" in m.decode())


def gone(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_term_when_idle_exits_at_once_and_unregisters(redis, start_worker):
    worker = start_worker()
    wait_until(lambda: redis.scard("resque:workers") == 1)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
    assert redis.scard("resque:workers") == 0 and not redis.keys("resque:worker:*")
    assert redis.hlen("resque:workers:heartbeat") == 0


def test_term_lets_a_job_shorter_than_the_grace_period_finish(redis, ledger, start_worker):
    jobs.slow_record.delay(ledger, "t", 1)
    worker = start_worker("--shutdown-timeout", "60")
    started_child(ledger)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert rows(ledger, "end") and redis.get("resque:stat:processed") == b"1"
    assert redis.llen("resque:queue:default") == 0 and redis.llen("resque:failed") == 0


def test_term_puts_a_job_longer_than_the_grace_period_back_at_the_head(redis, ledger, start_worker):
    handle = jobs.slow_record.delay(ledger, "t", 60)
    queued = redis.lindex("resque:queue:default", 0)
    jobs.record.delay(ledger, "second")
    worker = start_worker("--shutdown-timeout", "0.5")
    child = started_child(ledger)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert gone(child) and not rows(ledger, "end")
    assert redis.lrange("resque:queue:default", 0, 0) == [queued]  # byte for byte, first
    assert redis.llen("resque:failed") == 0 and handle.id.encode() in queued
    assert redis.scard("resque:workers") == 0 and not redis.keys("resque:worker:*")


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("mode", [[], ["--no-fork"]])
def test_a_second_term_or_int_stops_at_once_and_puts_the_job_back(
    redis, ledger, start_worker, second, mode
):
    jobs.slow_record.delay(ledger, "t", 120)
    worker = start_worker("--shutdown-timeout", "600", *mode)
    started_child(ledger)
    worker.send_signal(signal.SIGTERM)
    time.sleep(0.3)  # let the first signal be handled on its own
    worker.send_signal(second)
    worker.wait(timeout=30)  # far less than the 600 s grace period
    assert redis.llen("resque:queue:default") == 1 and not rows(ledger, "end")
    assert redis.llen("resque:failed") == 0


def test_quit_finishes_the_current_job_then_exits(redis, ledger, start_worker):
    jobs.slow_record.delay(ledger, "t", 1)
    jobs.record.delay(ledger, "not-taken")
    worker = start_worker()
    started_child(ledger)
    worker.send_signal(signal.SIGQUIT)
    assert worker.wait(timeout=30) == 0
    assert rows(ledger, "end") and not rows(ledger, "not-taken")
    assert redis.llen("resque:queue:default") == 1


def test_kill_9_of_worker_and_child_is_recovered_by_another_worker(redis, ledger, start_worker):
    jobs.slow_record.delay(ledger, "t", 1)
    first = start_worker(env=FAST)
    child = started_child(ledger)
    os.kill(first.pid, signal.SIGKILL)
    os.killpg(child, signal.SIGKILL)
    first.wait(timeout=10)
    start_worker(env=FAST)
    wait_until(lambda: rows(ledger, "end"), timeout=60)
    assert len(rows(ledger, "start")) == 2 and len(rows(ledger, "end")) == 1
    wait_until(lambda: not redis.keys(f"resque:worker:*:{first.pid}:*"), timeout=30)
    assert not [m for m in redis.smembers("resque:workers") if f":{first.pid}:".encode() in m]


def test_kill_9_of_the_worker_alone_takes_the_child_with_it(redis, ledger, start_worker):
    jobs.slow_record.delay(ledger, "t", 2)
    first = start_worker(env=FAST)
    child = started_child(ledger)
    # the child and the zygote that forked it (prefork.py)
    tree = [p.pid for p in psutil.Process(first.pid).children(recursive=True)]
    assert child in tree and any("Zygote" in process_title(pid) for pid in tree)
    os.kill(first.pid, signal.SIGKILL)
    wait_until(lambda: all(gone(pid) for pid in tree))  # PR_SET_PDEATHSIG: no orphan goes on
    start_worker(env=FAST)
    wait_until(lambda: rows(ledger, "end"), timeout=60)
    assert len(rows(ledger, "start")) == 2 and len(rows(ledger, "end")) == 1
    assert int(rows(ledger, "end")[0][2]) != child


@pytest.mark.one_leg(leg=2)  # several processes racing over Redis; one Django leg is enough
def test_a_worker_stopped_past_its_heartbeat_timeout_is_fenced_out_when_it_continues(
    redis, ledger, start_worker
):
    jobs.slow_record.delay(ledger, "t", 3)
    stale = start_worker(env=FAST)
    child = started_child(ledger)
    stale_id = worker_id(redis, stale.pid)
    os.kill(stale.pid, signal.SIGSTOP)
    os.kill(child, signal.SIGSTOP)
    try:
        start_worker(env=FAST)
        wait_until(lambda: len(rows(ledger, "start")) == 2, timeout=60)
    finally:
        os.kill(child, signal.SIGCONT)
        os.kill(stale.pid, signal.SIGCONT)
    wait_until(lambda: gone(child))  # the stale worker kills the job it no longer owns
    wait_until(lambda: rows(ledger, "end"), timeout=60)
    wait_until(lambda: redis.sismember("resque:workers", stale_id))  # and carries on
    assert len(rows(ledger, "end")) == 1
    assert int(rows(ledger, "end")[0][2]) != child
    wait_until(lambda: redis.get("resque:stat:processed") == b"1")
    stale.send_signal(signal.SIGTERM)
    assert "event=was-pruned" in stale.communicate(timeout=30)[0]


@pytest.mark.one_leg(leg=2)  # several processes racing over Redis; one Django leg is enough
def test_term_racing_the_reserve_never_loses_a_job(redis, ledger, start_worker, work_here):
    """TERM a worker at random moments 200+ times while jobs flow: conservation holds."""
    total = 300
    for i in range(total):
        jobs.record.delay(ledger, f"j{i}")
    supervisor = start_worker("--count", "2", "--shutdown-timeout", "0")
    sup = psutil.Process(supervisor.pid)
    terms = 0
    rng = random.Random(4)
    while terms < 220:
        workers = sup.children()
        if not workers:
            time.sleep(0.005)
            continue
        time.sleep(rng.uniform(0, 0.02))
        try:
            rng.choice(workers).send_signal(signal.SIGTERM)
            terms += 1
        except psutil.NoSuchProcess:
            pass
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=60) == 0
    assert not redis.keys("resque:worker:*")  # nothing stranded in a record
    ran = {row[0] for row in jobs.read_ledger(ledger)}
    queued = {json.loads(p)["args"][1] for p in redis.lrange("resque:queue:default", 0, -1)}
    assert ran | queued == {f"j{i}" for i in range(total)}
    work_here(fork=False)  # drain the rest
    assert {row[0] for row in jobs.read_ledger(ledger)} == {f"j{i}" for i in range(total)}


@pytest.mark.one_leg(leg=2)  # several processes racing over Redis; one Django leg is enough
def test_a_poison_pill_that_kills_its_workers_ends_in_the_failed_list(redis, ledger, start_worker):
    jobs.kill_my_worker.delay(ledger)
    supervisor = start_worker("--count", "2", env={**FAST, "RESQUE_TEST_MAX_RECOVERIES": "1"})
    wait_until(lambda: redis.llen("resque:failed") == 1, timeout=60)
    failure = json.loads(redis.lindex("resque:failed", 0))
    assert failure["exception"] == "PruneDeadWorkerDirtyExit"
    assert "recovered 1 times" in failure["error"]
    assert len(rows(ledger, "start")) == 2  # the first run, and the one recovery allowed
    assert redis.llen("resque:queue:default") == 0
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 0


def test_an_at_most_once_job_of_a_killed_worker_is_failed_not_run_again(
    redis, ledger, start_worker
):
    jobs.slow_once.delay(ledger, "t", 2)
    first = start_worker(env=FAST)
    wait_until(lambda: rows(ledger, "start"))
    os.killpg(int(rows(ledger, "start")[0][2]), signal.SIGKILL)
    os.kill(first.pid, signal.SIGKILL)
    start_worker(env=FAST)
    wait_until(lambda: redis.llen("resque:failed") == 1, timeout=60)
    assert "at most once" in json.loads(redis.lindex("resque:failed", 0))["error"]
    assert len(rows(ledger, "start")) == 1 and redis.llen("resque:queue:default") == 0


@pytest.mark.one_leg(leg=2)  # several processes racing over Redis; one Django leg is enough
def test_a_worker_stopped_while_its_child_finished_does_not_record_that_outcome(
    redis, ledger, start_worker
):
    jobs.slow_fail.delay(ledger, 1)
    stale = start_worker("-v", "2", env=FAST)
    started_child(ledger)
    os.kill(stale.pid, signal.SIGSTOP)  # the child runs on and fails while its parent is stopped
    try:
        start_worker(env=FAST)  # prunes the stale worker and runs the job again
        wait_until(lambda: len(rows(ledger, "end")) == 2 and redis.llen("resque:failed"), 60)
    finally:
        os.kill(stale.pid, signal.SIGCONT)
    stale.send_signal(signal.SIGTERM)
    out = stale.communicate(timeout=30)[0]
    assert "event=was-pruned" in out
    assert redis.llen("resque:failed") == 1  # only the owner's outcome is recorded
