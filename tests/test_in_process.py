"""A --no-fork worker says at start-up which time limits it cannot enforce."""


def test_a_no_fork_worker_logs_the_jobs_whose_timeout_it_cannot_enforce(work_here):
    forking = work_here("default")
    in_process = work_here("default", fork=False)
    assert "event=timeouts-not-enforced" not in forking
    (line,) = [x for x in in_process.splitlines() if "event=timeouts-not-enforced" in x]
    assert "WARNING" in line  # shown at the default --verbosity 1
    assert "reason=no-fork jobs=" in line and "tests.jobs." in line
