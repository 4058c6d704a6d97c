"""The one child that performs for a forking worker with `--threads N`.

The child is forked from the clean worker parent and performs up to N payloads at once in a
ThreadPool (thread_pool.py); it lives for many jobs, until the parent retires it (recycling)
or kills it (a timeout, TERM's grace period over, USR1). The parent keeps every in-flight record
and decides what becomes of each job; the child only performs and reports.

Both directions are frames on a pipe: a slot index (4 bytes), a length (4 bytes), then the
queue and the payload (parent to child) or the Outcome as JSON (child to parent). A child that
dies leaves the jobs it did not report to the parent, which learns its exit status through a
pidfd.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
from collections.abc import Callable

from django.db import connections
from setproctitle import setproctitle

from django_resque import __version__
from django_resque.jobs.outcome import Outcome
from django_resque.tracing import consumer as tracing
from django_resque.worker import fork
from django_resque.worker.child_watch import kill_group
from django_resque.worker.limits import limit_child_memory
from django_resque.worker.thread_pool import Completion, ThreadPool

_HEADER = 8


class ThreadChild:
    """The parent's handle on the child: hand it payloads, read its reports, end it."""

    def __init__(self, size: int, max_child_memory: int | None = None) -> None:
        self.size = size
        self.child_setup = functools.partial(limit_child_memory, max_child_memory)
        self.title = f"resque-{__version__}: Child performing up to {size} jobs at once"
        self.pid: int | None = None
        self._job_w = self._report_r = self._pidfd = -1
        self._buffer = b""
        self.held: set[int] = set()  # slots whose payload the child has and has not reported

    # --- life -----------------------------------------------------------------------------
    def start(self) -> None:
        """Fork the child (the caller has no job in any child now)."""
        connections.close_all()  # a child must never share the parent's database sockets
        job_r, self._job_w = os.pipe()
        self._report_r, report_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (runs in the child)
            os.close(self._job_w)
            os.close(self._report_r)
            _serve(job_r, report_w, self.size, self.child_setup, self.title)
        os.close(job_r)
        os.close(report_w)
        os.set_blocking(self._report_r, False)
        self.pid, self._pidfd, self._buffer = pid, os.pidfd_open(pid), b""

    @property
    def started(self) -> bool:
        return self.pid is not None

    @property
    def retiring(self) -> bool:
        """Retired (it takes no more jobs) but not yet exited."""
        return self.pid is not None and self._job_w < 0

    def submit(self, index: int, raw: bytes, queue: str = "") -> bool:
        """Hand a payload to the child (forked now if there is none); False if it is gone.

        A payload that could not be handed over never ran.
        """
        if self.pid is None:
            self.start()
        try:
            _write_all(self._job_w, _frame(index, _with_queue(queue, raw)))
        except BrokenPipeError:
            return False
        self.held.add(index)
        return True

    def filenos(self) -> list[int]:
        """What the worker's loop waits on: the child's reports and its exit."""
        return [self._report_r, self._pidfd] if self.pid is not None else []

    def completions(self) -> list[Completion]:
        """Reports that came in. Once the child has exited, it is reaped and each job it held
        without reporting is a DirtyExit failure with the child's exit status."""
        if self.pid is None:
            return []
        done = self._read_reports()
        if _readable(self._pidfd):
            done.extend(self._read_reports())  # whatever it wrote before it went
            pid, status = self.pid, os.waitpid(self.pid, 0)[1]
            self._close()
            dead = fork.outcome_of(pid, b"", status)
            done.extend((index, dead) for index in sorted(self.held))
            self.held.clear()
        return done

    def kill(self) -> tuple[list[Completion], set[int]]:
        """SIGKILL the child's process group: the reports it wrote first, and the slots whose
        jobs it held without reporting."""
        if self.pid is None:
            return [], set()
        kill_group(self.pid)
        os.waitpid(self.pid, 0)
        done = self._read_reports()
        self._close()
        held, self.held = self.held, set()
        return done, held

    def retire(self) -> None:
        """Tell the child to exit once the jobs it holds are reported (no more are coming)."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.close(self._job_w)
            self._job_w = -1

    def rss_mb(self) -> float | None:
        """The child's resident set size in MB, for --max-memory (None: no child, or unknown)."""
        if self.pid is None:
            return None
        try:
            with open(f"/proc/{self.pid}/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
        except (OSError, ValueError, IndexError):
            return None

    # --- reports --------------------------------------------------------------------------
    def _read_reports(self) -> list[Completion]:
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self._report_r, 65536):
                self._buffer += chunk
        done = []
        while len(self._buffer) >= _HEADER:
            index, size = _header(self._buffer)
            if len(self._buffer) < _HEADER + size:
                break
            body = self._buffer[_HEADER : _HEADER + size]
            self._buffer = self._buffer[_HEADER + size :]
            self.held.discard(index)
            done.append((index, Outcome.from_json(body.decode("utf-8"))))
        return done

    def _close(self) -> None:
        for fd in (self._job_w, self._report_r, self._pidfd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._job_w = self._report_r = self._pidfd = -1
        self.pid = None


def _serve(
    job_r: int, report_w: int, size: int, child_setup: Callable[[], None], title: str
) -> None:  # pragma: no cover  (runs in the child)
    """The child: perform what comes on `job_r` in `size` threads; exit once it is closed."""
    code = 1
    try:
        fork.become_child()
        child_setup()
        setproctitle(title)
        pool = ThreadPool(size)
        pool.start()
        buffer, running, open_ = b"", 0, True
        while open_ or running:
            waiting = [pool.fileno(), job_r] if open_ else [pool.fileno()]
            ready, _, _ = select.select(waiting, [], [])
            if job_r in ready:
                chunk = os.read(job_r, 65536)
                open_ = bool(chunk)
                buffer += chunk
                while len(buffer) >= _HEADER and len(buffer) >= _HEADER + _header(buffer)[1]:
                    index, length = _header(buffer)
                    pool.submit(index, *_without_queue(buffer[_HEADER : _HEADER + length]))
                    buffer = buffer[_HEADER + length :]
                    running += 1
            if done := pool.completions():
                tracing.flush()  # the parent may kill this child any time after the reports
            for index, outcome in done:
                _write_all(report_w, _frame(index, outcome.to_json().encode("utf-8")))
                running -= 1
        code = 0
    finally:
        os._exit(code)


def _frame(index: int, body: bytes) -> bytes:
    return index.to_bytes(4, "big") + len(body).to_bytes(4, "big") + body


def _with_queue(queue: str, raw: bytes) -> bytes:
    """A job's frame body: the queue's length (4 bytes), the queue, then the payload."""
    name = queue.encode("utf-8", "backslashreplace")
    return len(name).to_bytes(4, "big") + name + raw


def _without_queue(body: bytes) -> tuple[bytes, str]:
    size = int.from_bytes(body[:4], "big")
    return body[4 + size :], body[4 : 4 + size].decode("utf-8")


def _header(buffer: bytes) -> tuple[int, int]:
    return int.from_bytes(buffer[:4], "big"), int.from_bytes(buffer[4:8], "big")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])
