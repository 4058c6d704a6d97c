"""Fork each job's child ahead of its job, so no job waits for a fork.

Resque forks a fresh child per job, and the fork (page tables of a Django process, then
copy-on-write faults) is most of what a job costs. Here the child for the next job is forked
while the current one works (the two overlap on a multi-core machine) and waits, blocked on a
pipe, until the parent hands it a payload. The forks are made by the worker's zygote
(zygote.py), a clean copy of the worker forked once, so the worker's own pages are not copied
again for every job. Every job still runs in its own fresh child forked from a clean copy of
the worker; only the moment of the fork, and the process that makes it, move. The parent drops
a waiting child that holds a Redis connection the last child left dirty, or that died, and has
another forked (by a new zygote, in the first case).

As in fork.py, a job is done once its child's report is complete; the child may still be
exiting then, and the zygote reaps it once the worker has released it (release_finished).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from django.db import connections
from setproctitle import setproctitle

from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import decode
from django_resque.jobs.perform import perform
from django_resque.jobs.registry import get_job
from django_resque.worker import fork
from django_resque.worker.db_connections import database_connections
from django_resque.worker.zygote import Zygote, ZygoteGone


@dataclass(slots=True)
class _Child:
    job_w: int  # the parent writes the framed title and payload here, then closes it
    report_r: int  # the child writes its report here (see fork.py)
    zygote: Zygote  # which forked it
    pid: int = 0  # known once the zygote has said it (_ready)


_zygote: Zygote | None = None  # forks every child; forked anew with a new Redis connection
_spare: _Child | None = None


def perform_in_spare(
    raw: bytes,
    *,
    queue: str | None = None,
    title: str,
    child_setup: Callable[[], None] | None = None,
    on_fork: Callable[[int], None] | None = None,
    tick: Callable[[int], None] | None = None,
    tick_seconds: float = 1.0,
    overlap: bool = True,
) -> Outcome:
    """Hand the payload to a child forked ahead (or fork one now); wait for its outcome.

    `queue` is where the payload came from (the child's trace span names it); `title` becomes
    the child's process title; `child_setup` runs in each child right after its fork (before
    it has a job); `on_fork(pid)` and `tick(pid)` are as in fork.py.
    The next job's child is forked while this one works when `overlap` (a busy worker: the fork
    overlaps the job), else once it is done: on a machine with few cores, a fork running beside
    a job that was just handed over delays the job's start (bench/README.md has the figures),
    which is what matters for a job that found the worker idle.
    """
    global _spare
    connections.close_all()  # a child must never share the parent's database sockets
    fork.child_redis.prepare()  # no child is working now, so the connection is ours to check
    fork.libc()
    child, header = _take() or _fork(child_setup), (title, queue or "")
    if not _hand_off(child, header, raw):  # it died while waiting: fork one that is alive
        child = _fork(child_setup)
        if not _hand_off(child, header, raw):  # it died before reading its job (child_setup?)
            if on_fork is not None:
                on_fork(child.pid)
            return Outcome.dirty_exit(f"Child pid {child.pid} exited before it got its job.")
    if on_fork is not None:
        on_fork(child.pid)
    if overlap:
        _spare = _fork(child_setup, ready=False)  # the next job's child, forked while this works
    report, status = fork.wait_for_child(
        child.pid, child.report_r, tick, tick_seconds, exit_status=child.zygote.exit_status
    )
    if not overlap:
        _spare = _fork(child_setup, ready=False)
    if status is None:  # reported before its exit: the zygote reaps it once released
        child.zygote.release(child.pid)
        status = 0
    fork.child_redis.settle(clean=status == 0 and report[:1] == fork.CLEAN)
    return fork.outcome_of(child.pid, report[1:], status)


def discard_spare() -> None:
    """Stop the child waiting for a job, if any, and the zygote (the worker is leaving)."""
    global _spare
    child, _spare = _spare, None
    _stop_zygote()  # which kills and reaps what it forked, the waiting child too
    if child is not None:
        _close(child)


def release_finished() -> None:
    """Let the zygote reap the children of finished jobs (the worker calls this on every turn
    of its loop, after it has killed what those children left behind)."""
    if _zygote is not None:
        with contextlib.suppress(ZygoteGone):  # gone: so are its children
            _zygote.send_releases()


def _take() -> _Child | None:
    global _spare
    child, _spare = _spare, None
    if child is None:
        return None
    if child.zygote.generation != fork.child_redis.generation:
        _close(child)  # it holds a connection the parent has since dropped
        return None
    try:
        return _ready(child)
    except ZygoteGone:  # the zygote died or stopped answering, and its children go with it
        _stop_zygote(kill=True)
        _close(child)
        return None


def _fork(child_setup: Callable[[], None] | None, *, ready: bool = True) -> _Child:
    """Ask the zygote for a child; `ready`: wait until it is forked (else _take does)."""
    try:
        return _ask_zygote(child_setup, ready=ready)
    except ZygoteGone:  # it died or stopped answering: once more, with a new zygote
        _stop_zygote(kill=True)
        return _ask_zygote(child_setup, ready=ready)


def _ask_zygote(child_setup: Callable[[], None] | None, *, ready: bool) -> _Child:
    zygote = _zygote_for(child_setup)  # first: a zygote forked now must not hold these pipes
    job_r, job_w = os.pipe()
    report_r, report_w = os.pipe()
    try:
        zygote.fork(job_r, report_w)
        child = _Child(job_w, report_r, zygote)
        return _ready(child) if ready else child
    except ZygoteGone:
        os.close(job_w)
        os.close(report_r)
        raise
    finally:
        os.close(job_r)
        os.close(report_w)


def _ready(child: _Child) -> _Child:
    if not child.pid:
        child.pid = child.zygote.spawned()
    return child


def _zygote_for(child_setup: Callable[[], None] | None) -> Zygote:
    """The zygote; forked now if there is none, or if it holds a Redis connection the parent
    has since dropped (its children would inherit that)."""
    global _zygote
    if _zygote is not None and _zygote.generation != fork.child_redis.generation:
        _stop_zygote()
    if _zygote is None:
        child_main = functools.partial(_run, child_setup=child_setup)
        _zygote = Zygote(
            child_main,
            fork.child_redis.generation,
            f"{_title_prefix()}Zygote: forks each job's child",
        )
    return _zygote


def _stop_zygote(*, kill: bool = False) -> None:
    global _zygote
    zygote, _zygote = _zygote, None
    if zygote is not None:
        zygote.stop(kill=kill)


def _hand_off(child: _Child, header: tuple[str, str], raw: bytes) -> bool:
    try:
        fork.write_all(child.job_w, _frame(*header, raw))
        return True
    except BrokenPipeError:
        os.close(child.report_r)
        child.zygote.release(child.pid)
        return False


def _close(child: _Child) -> None:
    """Drop a child forked ahead: at EOF on its job pipe it exits without a job. (With its
    zygote stopped first, the release fails at once and the child is dead already.)"""
    os.close(child.job_w)
    os.close(child.report_r)
    with contextlib.suppress(ZygoteGone):
        child.zygote.release(_ready(child).pid)


def _run(job_r: int, report_w: int, child_setup: Callable[[], None] | None) -> NoReturn:
    code = 1
    try:
        fork.become_child()
        fork.child_redis.adopt()
        if child_setup is not None:
            child_setup()
        setproctitle(f"{_title_prefix()}Forked ahead, waiting for a job")
        _warm_up()
        message = _read_all(job_r)
        if message:
            title, queue, raw = _unframe(message)
            setproctitle(title)
            with database_connections():
                outcome = perform(raw, queue=queue)
            fork.report(report_w, outcome)
        code = 0
    finally:
        os._exit(code)


def _warm_up() -> None:
    """Touch, while waiting, what every job's own bookkeeping touches in this child.

    A forked child pays a copy-on-write fault for each page of the parent it first writes to,
    and Python writes to every object it uses (reference counts). Decoding a payload, looking
    a job up, encoding an Outcome and the report's checks write to the same pages for every
    job; touching them here, before the hand-off, takes those faults off the path between
    hand-off and report (bench/README.md counts them). Nothing here reaches Redis, the database,
    signals or hooks.
    """
    get_job(decode(b'{"class":"django_resque.warm_up","args":[],"kwargs":{},"id":"-"}').job_name)
    Outcome(ok=True).to_json()
    connections.close_all()
    fork.child_redis.clean_in_child()


def _frame(title: str, queue: str, raw: bytes) -> bytes:
    """Return the title and the queue, each after its length (4 bytes), then the payload, so
    nothing needs escaping."""
    head = b"".join(_sized(text.encode("utf-8", "backslashreplace")) for text in (title, queue))
    return head + raw


def _sized(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _unframe(message: bytes) -> tuple[str, str, bytes]:
    texts = []
    for _ in range(2):
        size = int.from_bytes(message[:4], "big")
        texts.append(message[4 : 4 + size].decode("utf-8"))
        message = message[4 + size :]
    return texts[0], texts[1], message


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _title_prefix() -> str:
    from django_resque import __version__

    return f"resque-{__version__}: "
