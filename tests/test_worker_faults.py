"""Child faults (reliability.md §9 A): whatever a job does to its process, the worker goes on.

What a forked child does to itself is seen by a worker in this process (work_here); killing a
child from outside, signals to the worker, its process titles and an address-space cap (this
process is larger than a worker) use a worker process.
"""

import json
import signal
import time

import psutil
import pytest

from tests import jobs
from tests.helpers import process_title, run_command, wait_until

# Signals and crashes of worker processes: Redis and processes are the subject, not Django.
pytestmark = pytest.mark.one_leg(leg=1)


def burst(*args: str, env=None):
    result = run_command("resque_work", "--burst", "-v", "2", *args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def failures(redis):
    return [json.loads(r) for r in redis.lrange("resque:failed", 0, -1)]


def rows(ledger, kind):
    return [r for r in jobs.read_ledger(ledger) if r[0] == kind]


def gone(pid):
    """True when a process is dead (a zombie left to an init that does not reap counts)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_child_killed_by_a_signal_or_a_segfault_is_a_failure_and_the_worker_goes_on(
    redis, ledger, work_here
):
    jobs.crash.delay("kill")
    jobs.crash.delay("segfault")
    jobs.record.delay(ledger, "after")
    work_here()
    errors = [f["error"] for f in failures(redis)]
    assert "killed by signal 9 (SIGKILL)" in errors[0]
    assert "killed by signal 11 (SIGSEGV)" in errors[1]
    assert rows(ledger, "after")


def test_killing_the_child_from_outside_mid_job_fails_it_and_the_next_job_runs(
    redis, ledger, start_worker
):
    jobs.slow_record.delay(ledger, "t", 60)
    worker = start_worker()
    child = int(wait_until(lambda: rows(ledger, "start"))[0][2])
    psutil.Process(child).kill()
    wait_until(lambda: redis.llen("resque:failed") == 1)
    jobs.record.delay(ledger, "next")
    wait_until(lambda: rows(ledger, "next"))
    assert "killed by signal 9" in failures(redis)[0]["error"]
    (wid,) = redis.smembers("resque:workers")
    wait_until(lambda: not redis.exists(b"resque:worker:" + wid))  # idle again, holds nothing
    assert worker.poll() is None


def test_a_child_over_its_memory_limit_fails_with_memory_error(redis, ledger):
    jobs.allocate.delay(2048)
    jobs.record.delay(ledger, "after")
    burst("--max-child-memory", "400")
    assert failures(redis)[0]["exception"] == "MemoryError"
    assert rows(ledger, "after")


def test_a_hung_job_ignoring_sigalrm_is_killed_at_its_timeout_with_its_grandchildren(
    redis, ledger, work_here
):
    jobs.hang_with_grandchild.delay(ledger)
    jobs.record.delay(ledger, "after")
    work_here()
    (failure,) = failures(redis)
    assert failure["exception"] == "JobTimeout" and "timeout of 2 s" in failure["error"]
    grandchild, child = (int(x) for x in rows(ledger, "grandchild")[0][1:])
    assert gone(grandchild) and gone(child)
    assert rows(ledger, "after")


def test_the_default_job_timeout_applies_to_jobs_without_their_own(redis, ledger, work_here):
    jobs.slow_record.delay(ledger, "t", 60)
    work_here(JOB_TIMEOUT=0.5)
    assert failures(redis)[0]["exception"] == "JobTimeout"
    assert not rows(ledger, "end")


def test_grandchildren_a_job_leaves_behind_are_killed_when_it_ends(ledger, work_here):
    jobs.leave_grandchild.delay(ledger)  # Popen closes its copy of the report pipe (close_fds)
    work_here()
    grandchild = int(rows(ledger, "grandchild")[0][1])
    wait_until(lambda: gone(grandchild))


def test_a_grandchild_holding_the_report_pipe_does_not_hold_up_the_job_and_is_killed(
    redis, ledger, work_here
):
    jobs.fork_grandchild.delay(ledger)  # the report's EOF never comes: the child's exit counts
    jobs.record.delay(ledger, "after")
    work_here()
    grandchild = int(rows(ledger, "grandchild")[0][1])
    wait_until(lambda: gone(grandchild))
    assert rows(ledger, "after") and redis.llen("resque:failed") == 0
    assert redis.get("resque:stat:processed") == b"2"


def test_no_zombies_are_left_after_many_crashes(redis, ledger, start_worker):
    worker = start_worker()
    for i in range(40):
        if i % 4 == 0:
            jobs.crash.delay("kill")
        elif i % 4 == 1:
            jobs.crash.delay("exit")
        else:
            jobs.record.delay(ledger, str(i))
    jobs.record.delay(ledger, "last")
    wait_until(lambda: rows(ledger, "last"), timeout=60)
    parent = psutil.Process(worker.pid)
    # apart from the zygote and the one child it forked ahead for the next job (prefork.py),
    # nothing is left: no zombie, no child of a finished or crashed job
    wait_until(
        lambda: (
            sorted(process_title(p.pid).split(": ", 1)[-1] for p in parent.children(recursive=True))
            == ["Forked ahead, waiting for a job", "Zygote: forks each job's child"]
        )
    )
    assert redis.llen("resque:failed") == 20
    assert len(jobs.read_ledger(ledger)) == 21


def test_usr1_kills_the_current_child_as_a_failure_and_the_worker_goes_on(
    redis, ledger, start_worker
):
    jobs.slow_record.delay(ledger, "t", 60)
    worker = start_worker()
    wait_until(lambda: rows(ledger, "start"))
    worker.send_signal(signal.SIGUSR1)
    wait_until(lambda: redis.llen("resque:failed") == 1)
    assert "SIGUSR1" in failures(redis)[0]["error"]
    jobs.record.delay(ledger, "next")
    wait_until(lambda: rows(ledger, "next"))


def test_usr2_pauses_and_cont_resumes(redis, ledger, start_worker):
    worker = start_worker()
    wait_until(lambda: redis.scard("resque:workers") == 1)
    worker.send_signal(signal.SIGUSR2)
    wait_until(lambda: process_title(worker.pid).endswith(": Paused"))
    jobs.record.delay(ledger, "x")
    time.sleep(1)  # a paused worker must leave it alone for a while
    assert redis.llen("resque:queue:default") == 1
    worker.send_signal(signal.SIGCONT)
    wait_until(lambda: jobs.read_ledger(ledger))


def test_process_titles_say_what_each_process_does(ledger, start_worker):
    from django_resque import __version__

    worker = start_worker("--queues", "high,default")
    wait_until(
        lambda: process_title(worker.pid) == f"resque-{__version__}: Waiting for high,default"
    )
    jobs.slow_record.delay(ledger, "t", 60)
    child = int(wait_until(lambda: rows(ledger, "start"))[0][2])
    # the parent titles itself right after fork(); a fast child can log its start before that
    wait_until(
        lambda: process_title(worker.pid).startswith(f"resque-{__version__}: Forked {child} at ")
    )
    wait_until(
        lambda: (
            process_title(child).startswith(f"resque-{__version__}: Processing default since ")
            and process_title(child).endswith(" [tests.jobs.slow_record]")
        )
    )


def test_max_jobs_recycles_the_worker_after_n_to_2n_jobs_and_loses_nothing(
    redis, ledger, command_here
):
    for i in range(10):
        jobs.record.delay(ledger, str(i))
    command_here("resque_work", "--max-jobs", "3")  # returns (exit status 0) once recycled
    done = len(jobs.read_ledger(ledger))
    assert 3 <= done <= 6
    assert done + redis.llen("resque:queue:default") == 10
    assert redis.scard("resque:workers") == 0


def test_max_memory_recycles_a_no_fork_worker(redis, ledger, command_here):
    for i in range(3):
        jobs.record.delay(ledger, str(i))
    command_here("resque_work", "--no-fork", "--max-memory", "1")  # returns once recycled
    assert len(jobs.read_ledger(ledger)) == 1
    assert redis.llen("resque:queue:default") == 2


def test_a_paused_queue_is_skipped_until_resumed_and_its_jobs_stay_queued(redis, ledger, work_here):
    from django_resque.queues import lists as queues

    jobs.record_high.delay(ledger, "h")
    jobs.record.delay(ledger, "d")
    queues.pause("high")
    work_here("high", "default")
    assert jobs.read_ledger(ledger) == [["d", jobs.read_ledger(ledger)[0][1]]]
    assert redis.llen("resque:queue:high") == 1
    queues.resume("high")
    work_here("high", "default")
    assert jobs.read_ledger(ledger)[-1] == ["high", "h"]
