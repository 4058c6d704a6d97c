"""A --no-fork worker says at start-up which time limits it cannot enforce."""

from tests.helpers import run_command


def test_a_no_fork_worker_logs_the_jobs_whose_timeout_it_cannot_enforce():
    forking = run_command("resque_work", "--burst", "--queues", "default")
    in_process = run_command("resque_work", "--burst", "--no-fork", "--queues", "default")
    assert forking.returncode == in_process.returncode == 0, in_process.stderr
    assert "event=timeouts-not-enforced" not in forking.stderr
    (line,) = [x for x in in_process.stderr.splitlines() if "event=timeouts-not-enforced" in x]
    assert "reason=no-fork jobs=" in line and "tests.jobs." in line
