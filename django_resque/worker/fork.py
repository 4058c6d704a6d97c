"""Perform one payload in a forked child and learn what came of it.

The child reports its Outcome as JSON over a pipe and leaves with os._exit, so none of the
parent's atexit handlers, buffered files or Django connections are run or flushed twice. A child
that dies without reporting (a signal, os._exit, a segfault) is a DirtyExit failure.

The job is done when its report is. Once the pipe reaches EOF (every writer closed it) and the
report parses, the child has nothing left to do but os._exit(0), so the parent takes the report with
exit status 0 and goes on without waiting for the exit: the kernel tears down the child's address
space before its exit is visible, milliseconds of CPU for a Django process (bench/README.md). Such
children are reaped later by reap_exiting, which the worker calls without blocking on every turn of
its loop and blocking when it stops (loop.py). The same holds when the exit shows before EOF (a
grandchild holds the pipe open, or the parent read the last bytes and the exit in one poll): a
complete report is the job's end. A report cut short (the child died mid-write) does not parse,
so then the parent waits for the exit and its real status.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
from collections.abc import Callable
from functools import cache

from django.db import connections

from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload
from django_resque.jobs.perform import perform
from django_resque.tracing import consumer as tracing
from django_resque.worker.child_redis import ChildRedis
from django_resque.worker.db_connections import database_connections

PR_SET_PDEATHSIG = 1
# First byte of a child's report: may the parent hand the child's Redis connection on?
CLEAN, DIRTY = b"C", b"D"
child_redis = ChildRedis()
# The signals the worker handles itself: a child takes their defaults, the zygote ignores them.
WORKER_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
_exiting: set[int] = set()  # children whose report was taken before their exit: not yet reaped


def perform_in_child(
    raw: bytes,
    decoded: Payload | None = None,
    *,
    queue: str | None = None,
    in_child: Callable[[], None] | None = None,
    on_fork: Callable[[int], None] | None = None,
    tick: Callable[[int], None] | None = None,
    tick_seconds: float = 1.0,
) -> Outcome:
    """Fork, perform the payload in the child, wait for its report, and return its outcome.

    `on_fork(pid)` runs in the parent right after the fork; `tick(pid)` runs in the parent every
    `tick_seconds` while the child works (heartbeats, timeouts and shutdown hang off it).
    """
    connections.close_all()  # a child must never share the parent's database sockets
    child_redis.prepare()
    libc()  # loaded (and cached) here, so children inherit it instead of each calling dlopen
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (runs in the child)
        os.close(read_end)
        _run_child(raw, decoded, queue, write_end, in_child)
    os.close(write_end)
    if on_fork is not None:
        on_fork(pid)
    report, status = wait_for_child(pid, read_end, tick, tick_seconds)
    if status is None:  # reported before its exit was visible: reap_exiting reaps it later
        _exiting.add(pid)
        status = 0
    child_redis.settle(clean=status == 0 and report[:1] == CLEAN)
    return outcome_of(pid, report[1:], status)


def wait_for_child(
    pid: int,
    read_end: int,
    tick: Callable[[int], None] | None,
    tick_seconds: float,
    *,
    exit_status: Callable[[int], int] | None = None,
) -> tuple[bytes, int | None]:
    """Collect the child's report; return it with the child's exit status.

    A complete report comes with status None: the child's exit is not waited for, whether the
    report's EOF or the exit was seen first (a grandchild may hold the pipe open). Otherwise
    wait for the exit: `exit_status(pid)` says its status, os.waitpid by default (a child of
    this process).
    """
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    chunks: list[bytes] = []
    try:
        while not (ended := _poll(poller, tick_seconds, pidfd, read_end, chunks)):
            if tick is not None:
                tick(pid)
        if ended == _EXITED:
            chunks.extend(_drain(read_end))
    finally:
        os.close(pidfd)
        os.close(read_end)
    report = b"".join(chunks)
    if ended == _REPORTED or complete(report):
        return report, None
    status = exit_status(pid) if exit_status is not None else os.waitpid(pid, 0)[1]
    return report, status


_EXITED, _REPORTED = "exited", "reported"


def _poll(
    poller: select.poll, seconds: float, pidfd: int, read_end: int, chunks: list[bytes]
) -> str:
    """Read what is ready; return _REPORTED, _EXITED, or "" while the child works on."""
    exited = False
    for fd, _ in poller.poll(seconds * 1000):
        if fd == pidfd:
            exited = True
        elif chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        else:
            poller.unregister(read_end)  # EOF: every writer closed the pipe
            if complete(b"".join(chunks)):
                return _REPORTED  # the job is done, whether its exit is visible yet or not
    return _EXITED if exited else ""


def complete(report: bytes) -> bool:
    """True if `report` is a whole report: a flag byte, then an Outcome as JSON.

    A JSON object parses only once its closing brace is in, so a report cut short by the
    child's death never passes.
    """
    if report[:1] not in (CLEAN, DIRTY):
        return False
    try:
        Outcome.from_json(report[1:].decode("utf-8"))
    except (ValueError, TypeError):  # not UTF-8, not JSON, or not an Outcome's fields
        return False
    return True


def reap_exiting(*, block: bool = False) -> None:
    """Reap children whose report was taken before they exited; `block`: wait for every one."""
    for pid in list(_exiting):
        try:
            reaped, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: nothing is left of it either way
            reaped = pid
        if reaped:
            _exiting.discard(pid)


def _drain(fd: int) -> list[bytes]:
    os.set_blocking(fd, False)
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    return chunks


def _run_child(
    raw: bytes,
    decoded: Payload | None,
    queue: str | None,
    write_end: int,
    in_child: Callable[[], None] | None,
) -> None:
    code = 1
    try:
        become_child()
        child_redis.adopt()
        if in_child is not None:
            in_child()
        with database_connections():  # stale DB connections dropped around every job
            outcome = perform(raw, decoded, queue=queue)
        report(write_end, outcome)
        code = 0
    finally:
        os._exit(code)


def become_child() -> None:
    """Die with the parent, lead a process group of our own, and take default signals."""
    die_with_parent()
    os.setpgid(0, 0)
    for signum in WORKER_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent dies; exit now if it already has."""
    parent = os.getppid()
    libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


@cache
def libc() -> ctypes.CDLL:
    """libc, loaded once in the parent so no child pays a dlopen."""
    return ctypes.CDLL(None, use_errno=True)


def report(fd: int, outcome: Outcome) -> None:
    """Child: close its database connections, export its trace spans, then write its report;
    the job is done then.

    The parent goes on as soon as the report is in (see above) and kills what is left of the
    child's process group, so what the job opened in the database is closed now, and its spans
    are exported now, not at the exit that follows (os._exit runs no exit handler).
    """
    connections.close_all()
    tracing.flush()
    flag = CLEAN if child_redis.clean_in_child() else DIRTY
    write_all(fd, flag + outcome.to_json().encode("utf-8"))


def write_all(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


def outcome_of(pid: int, report: bytes, status: int) -> Outcome:
    """Turn what a child wrote and how it ended into an Outcome."""
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        return Outcome.dirty_exit(f"Child pid {pid} was killed by signal {_signal_name(signum)}.")
    code = os.WEXITSTATUS(status)
    if code != 0:
        return Outcome.dirty_exit(f"Child pid {pid} exited with status {code}.")
    if not report:
        return Outcome.dirty_exit(f"Child pid {pid} exited 0 without reporting an outcome.")
    return Outcome.from_json(report.decode("utf-8"))


def _signal_name(signum: int) -> str:
    try:
        return f"{signum} ({signal.Signals(signum).name})"
    except ValueError:
        return str(signum)
