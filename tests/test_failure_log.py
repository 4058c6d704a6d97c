"""Each failed attempt is logged once, by the worker that records it: `event=failed` at WARNING
while the job will be retried, at ERROR when the failure is final. The log is what a real
forking worker wrote at --verbosity 2, its children's lines included (work_here).
"""

from __future__ import annotations

import re

import pytest

from django_resque import signals
from tests import jobs as test_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def _failed_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "event=failed" in line]


def _field(line: str, name: str) -> str:
    found = re.search(rf" {name}=(\S+)", line)
    assert found, f"no {name}= in {line!r}"
    return found.group(1)


def test_each_attempt_is_logged_once_at_warning_while_retries_remain_and_at_error_at_the_end(
    redis, ledger, tmp_path, work_here
):
    heard = str(tmp_path / "heard.txt")  # the receiver runs in the forked children
    signals.job_failed.connect(
        receiver := lambda **kw: test_jobs.write_ledger(heard, kw["attempt"])
    )
    try:
        handle = test_jobs.always_fails.delay(ledger)
        log = work_here("default", until=lambda: redis.llen("resque:failed") == 1)
    finally:
        signals.job_failed.disconnect(receiver)
    assert test_jobs.read_ledger(heard) == [["1"], ["2"], ["3"]]  # it adds no line of its own
    lines = _failed_lines(log)
    assert [line.split()[2] for line in lines] == ["WARNING", "WARNING", "ERROR"]
    assert [_field(line, "attempt") for line in lines] == ["1", "2", "3"]
    assert [_field(line, "will_retry") for line in lines] == ["True", "True", "False"]
    for line in lines:
        assert "queue=default job=tests.jobs.always_fails exception=TimeoutError" in line
        assert _field(line, "id") == handle.id
        assert line.endswith("error=the third party never answers")


def test_a_job_without_retries_is_logged_once_at_error(redis, work_here):
    test_jobs.fail.delay("boom")
    [line] = _failed_lines(work_here("default"))
    assert line.split()[2] == "ERROR"
    assert _field(line, "will_retry") == "False" and _field(line, "attempt") == "1"


def test_a_child_that_died_is_logged_once_as_the_failure_the_worker_retries(
    redis, ledger, work_here
):
    handle = test_jobs.dies_once.delay(ledger)
    log = work_here("default", until=lambda: handle.status == "succeeded")
    [line] = _failed_lines(log)
    assert line.split()[2] == "WARNING"
    assert "exception=DirtyExit" in line and _field(line, "will_retry") == "True"
