import json
import os
import signal

import psutil
import pytest

from tests import jobs
from tests.helpers import process_title, wait_until

# Children forked ahead and their signals: processes are the subject, not Django.
pytestmark = pytest.mark.one_leg(leg=1)


def zygotes(worker_pid: int) -> list[psutil.Process]:
    return [c for c in psutil.Process(worker_pid).children() if "Zygote" in process_title(c.pid)]


def forked_ahead(worker_pid: int) -> list[psutil.Process]:
    """The worker's children waiting for a job (forked by its zygote, so its grandchildren)."""
    tree = psutil.Process(worker_pid).children(recursive=True)
    return [c for c in tree if "waiting for a job" in process_title(c.pid)]


def test_an_idle_worker_keeps_one_child_forked_ahead_and_the_next_job_runs_in_it(
    redis, ledger, start_worker
):
    worker = start_worker()
    jobs.record.delay(ledger, "first")
    wait_until(lambda: jobs.read_ledger(ledger))
    spare = wait_until(lambda: forked_ahead(worker.pid))
    jobs.record.delay(ledger, "second")
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 2)
    first, second = jobs.read_ledger(ledger)
    assert int(second[1]) == spare[0].pid != int(first[1])  # one fresh child per job, forked ahead
    assert redis.get("resque:stat:processed") in (b"1", b"2")  # counted at the next reserve


def test_one_zygote_forks_every_job_s_child_and_the_worker_forks_nothing_else(
    redis, ledger, start_worker
):
    worker = start_worker()
    for token in "abc":
        jobs.record.delay(ledger, token)
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 3)
    [zygote] = wait_until(lambda: zygotes(worker.pid))
    spare = wait_until(
        lambda: [c for c in zygote.children() if "waiting for a job" in process_title(c.pid)]
    )
    jobs.record.delay(ledger, "d")
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 4)
    assert len({pid for _, pid in jobs.read_ledger(ledger)}) == 4  # a fresh child per job
    assert int(jobs.read_ledger(ledger)[-1][1]) == spare[0].pid  # the one forked ahead
    assert psutil.Process(worker.pid).children() == [zygote]  # the same zygote all along


def test_a_killed_zygote_fails_the_running_job_and_a_new_zygote_takes_over(
    redis, ledger, start_worker
):
    worker = start_worker()
    jobs.slow_record.delay(ledger, "t", 30)
    wait_until(lambda: jobs.read_ledger(ledger))
    child = int(jobs.read_ledger(ledger)[0][2])
    [zygote] = zygotes(worker.pid)
    zygote.kill()
    wait_until(lambda: redis.llen("resque:failed") == 1)
    failure = json.loads(redis.lindex("resque:failed", 0))
    assert failure["exception"] == "DirtyExit"
    assert f"Child pid {child} was killed by signal 9" in failure["error"]
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
    jobs.record.delay(ledger, "after")
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 2)
    [new] = wait_until(lambda: zygotes(worker.pid))
    assert new.pid != zygote.pid and worker.poll() is None


def test_a_stopping_worker_takes_its_waiting_child_with_it(redis, ledger, start_worker):
    worker = start_worker()
    jobs.record.delay(ledger, "only")
    wait_until(lambda: jobs.read_ledger(ledger))
    spare = wait_until(lambda: forked_ahead(worker.pid))[0]
    [zygote] = zygotes(worker.pid)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    for process in (spare, zygote):
        wait_until(lambda p=process: not p.is_running() or p.status() == psutil.STATUS_ZOMBIE)
    assert redis.smembers("resque:workers") == set()


def test_without_fork_ahead_an_idle_worker_has_no_child_and_jobs_still_fork(
    redis, ledger, start_worker
):
    worker = start_worker(env={"RESQUE_TEST_FORK_AHEAD": "0"})
    jobs.record.delay(ledger, "a")
    jobs.record.delay(ledger, "b")
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 2)
    (_, pid_a), (_, pid_b) = jobs.read_ledger(ledger)
    assert len({pid_a, pid_b, str(worker.pid)}) == 3
    parent = psutil.Process(worker.pid)
    wait_until(lambda: not parent.children())


def test_children_that_die_before_taking_their_job_give_a_dirty_exit_not_a_crash():
    from django_resque.worker import prefork

    forked = []
    try:
        outcome = prefork.perform_in_spare(
            b'{"class":"tests.jobs.add","args":[1,2]}',
            title="test",
            child_setup=lambda: __import__("os")._exit(3),
            on_fork=forked.append,
        )
    finally:
        prefork.discard_spare()
    assert not outcome.ok and outcome.exception == "DirtyExit"
    # whether the pipe write beat the child's exit or not, it is one failed child, reported
    assert "before it got its job" in outcome.error or "status 3" in outcome.error
    assert len(forked) == 1


def test_the_warm_up_of_a_child_forked_ahead_sends_nothing_to_redis_and_no_signal(redis):
    from django_resque import signals
    from django_resque.worker import prefork

    sent = []

    def receiver(**kwargs):
        sent.append(kwargs)

    def calls() -> int:
        stats = redis.info("commandstats")
        return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")

    for signal_ in (signals.job_started, signals.job_finished, signals.job_failed):
        signal_.connect(receiver, weak=False)
    before = calls()
    try:
        prefork._warm_up()
    finally:
        for signal_ in (signals.job_started, signals.job_finished, signals.job_failed):
            signal_.disconnect(receiver)
    assert calls() == before
    assert sent == []


def test_a_zygote_that_stops_answering_is_killed_and_replaced(redis, monkeypatch):
    from django_resque.worker import prefork, zygote

    monkeypatch.setattr(zygote, "_ANSWER_SECONDS", 0.5)
    payload = b'{"class":"tests.jobs.add","args":[1,2]}'
    try:
        assert prefork.perform_in_spare(payload, title="test").ok
        stopped = prefork._zygote
        assert stopped is not None
        os.kill(stopped.pid, signal.SIGSTOP)  # the child it forked ahead still takes this job
        assert prefork.perform_in_spare(payload, title="test").ok
        assert prefork.perform_in_spare(payload, title="test").ok  # no answer: a new zygote
        assert prefork._zygote is not None and prefork._zygote.pid != stopped.pid
        assert not psutil.pid_exists(stopped.pid)  # killed and reaped
    finally:
        prefork.discard_spare()
