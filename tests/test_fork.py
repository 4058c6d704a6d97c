"""A forked child's job is done when its report is: the parent does not wait for its exit."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from django_resque.jobs.outcome import Outcome
from django_resque.worker import fork
from django_resque.worker.loop import Worker
from django_resque.worker.registration import register
from tests import jobs
from tests.helpers import wait_until

# These tests fork the test process itself; the child only writes to a pipe and leaves with
# os._exit, so Python 3.12's warning about forking a multi-threaded process does not apply.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")

WHOLE = fork.CLEAN + Outcome.success(5).to_json().encode()


def child_that_reports(report: bytes, then: signal.Signals | None = None) -> tuple[int, int, int]:
    """Fork a child that writes `report`, closes the pipe, and exits only once released.

    Returns (pid, the report pipe's read end, the release pipe's write end). Released, the child
    exits 0, or dies by signal `then`.
    """
    read_end, write_end = os.pipe()
    release_r, release_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (runs in the child)
        try:
            os.close(read_end)
            os.close(release_w)
            os.write(write_end, report)
            os.close(write_end)
            os.read(release_r, 1)
            if then is not None:
                os.kill(os.getpid(), then)
        finally:
            os._exit(0)
    os.close(write_end)
    os.close(release_r)
    return pid, read_end, release_w


def reaped(pid: int) -> bool:
    """True once `pid` is no child of ours to wait for (reaped, or never ours)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def zombies(process: psutil.Process) -> list[int]:
    found = []
    for child in process.children(recursive=True):  # the zygote's children too (zygote.py)
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                found.append(child.pid)
        except psutil.NoSuchProcess:
            pass
    return found


def test_a_complete_report_is_the_outcome_while_the_child_has_not_exited_yet():
    pid, read_end, release = child_that_reports(WHOLE)
    ticks = []

    def tick(pid: int) -> None:
        ticks.append(pid)
        assert len(ticks) < 100, "the parent waited on past a complete report"

    try:
        report, status = fork.wait_for_child(pid, read_end, tick, 0.05)
        assert (report, status) == (WHOLE, None)  # None: its exit was not waited for
        assert psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # still waiting for release
        assert fork.outcome_of(pid, report[1:], 0) == Outcome.success(5)
    finally:
        os.close(release)
    os.waitpid(pid, 0)


def test_a_complete_report_is_the_outcome_also_when_the_exit_is_seen_before_its_eof():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (runs in the child)
        os.write(write_end, WHOLE)
        os._exit(0)
    # This process keeps the write end open, as a grandchild may: no EOF comes, only the exit.
    # The exit status is not asked for: a zygote that can no longer answer would say SIGKILL.
    try:
        report, status = fork.wait_for_child(
            pid, read_end, None, 0.05, exit_status=lambda pid: signal.SIGKILL
        )
    finally:
        os.close(write_end)
        os.waitpid(pid, 0)
    assert (report, status) == (WHOLE, None)


def test_a_report_cut_short_waits_for_the_real_exit_and_is_a_dirty_exit():
    pid, read_end, release = child_that_reports(WHOLE[:-3], then=signal.SIGKILL)

    released = []

    def tick(pid: int) -> None:  # the pipe is at EOF by now or soon: let the child die
        if not released:
            released.append(os.write(release, b"x"))

    try:
        report, status = fork.wait_for_child(pid, read_end, tick, 0.05)
    finally:
        os.close(release)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    outcome = fork.outcome_of(pid, report[1:], status)
    assert outcome.exception == "DirtyExit" and "signal 9 (SIGKILL)" in outcome.error
    assert reaped(pid)  # waited for here, not left to reap_exiting


@pytest.mark.parametrize(
    "report",
    [b"", fork.CLEAN, WHOLE[:-1], b"X" + WHOLE[1:], fork.CLEAN + b"[1, 2]", fork.DIRTY + b"\xff"],
)
def test_only_a_flag_byte_and_a_whole_outcome_make_a_complete_report(report):
    assert not fork.complete(report)
    assert fork.complete(WHOLE) and fork.complete(fork.DIRTY + WHOLE[1:])


def test_reaping_a_child_that_was_waited_for_elsewhere_is_no_error():
    pid, read_end, release = child_that_reports(WHOLE)
    fork.wait_for_child(pid, read_end, None, 0.05)
    fork._exiting.add(pid)
    os.close(release)
    os.waitpid(pid, 0)
    fork.reap_exiting(block=True)
    assert pid not in fork._exiting


@pytest.mark.parametrize("ahead", [True, False], ids=["fork-ahead", "fork-at-pickup"])
def test_a_stopped_worker_leaves_no_child_behind_not_even_a_zombie(redis, ledger, ahead):
    ours_before = {p.pid for p in psutil.Process().children()}  # e.g. the redis-server
    worker = Worker(["default"])
    worker.executor.fork_ahead = ahead
    register(worker.id, worker.slot.token)
    jobs.record.delay(ledger, "one")
    worker.process(*worker.reserve())
    assert jobs.read_ledger(ledger)[0][0] == "one"
    worker.shutdown()
    assert {p.pid for p in psutil.Process().children()} <= ours_before


@pytest.mark.parametrize("ahead", ["1", "0"], ids=["fork-ahead", "fork-at-pickup"])
def test_a_worker_leaves_no_zombie_of_a_finished_job_for_long(redis, ledger, start_worker, ahead):
    worker = start_worker(env={"RESQUE_TEST_FORK_AHEAD": ahead})
    for i in range(20):
        jobs.record.delay(ledger, str(i))
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 20, timeout=60)
    parent = psutil.Process(worker.pid)
    wait_until(lambda: not zombies(parent))  # the idle worker reaps the last job's child too
    assert redis.llen("resque:failed") == 0
