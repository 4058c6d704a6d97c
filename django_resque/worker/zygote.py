"""A zygote: one process forked from the clean worker that forks each job's child for it.

A process pays a copy-on-write fault for every page it writes after each of its forks, and
Python writes to every object it touches (reference counts). A worker that forks once per job
so pays again, on every job, for every page its own loop touches (the reserve, the report, the
bookkeeping), and pays it on the path between one job and the next. The zygote is forked from
the worker once; between forks it only reads a request and forks, so the worker's pages are
copied once rather than once per job, and the fork itself runs beside the worker's round trip
to Redis instead of inside it. Every job still runs in a fresh child forked from a clean copy of
the worker, with nothing of an earlier job in it.

The worker (`Zygote`) and the zygote (`_serve`) talk over a Unix socket in messages:
  worker -> zygote  b"F" with two file descriptors: fork a child that runs `child_main(*fds)`
                    b"W<pid>": wait for that child's exit and say its status
                    b"R<pid>": that child is done with; reap it once it exits
  zygote -> worker  b"S<pid>" for each b"F", in order; b"X<pid> <status>" for each b"W".
A child is reaped only once the worker has said so, so its pid is not reused while the worker
may still signal its process group (child_watch.kill_leftovers). When the worker closes its end
(or dies: the zygote has a parent-death signal), the zygote kills and reaps what it forked and
exits; each child also has its own parent-death signal (fork.become_child), so none outlives it.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
from collections import deque
from collections.abc import Callable
from typing import NoReturn

from setproctitle import setproctitle

from django_resque.worker import fork

# A fork takes milliseconds: a zygote that has not answered in this long is stopped or stuck,
# and is treated as gone (and killed) rather than waited for.
_ANSWER_SECONDS = 10.0


class ZygoteGone(Exception):
    """The zygote died (or was killed) before it answered."""


class Zygote:
    """The worker's handle on its zygote, forked when this is made."""

    def __init__(
        self, child_main: Callable[[int, int], NoReturn], generation: int, title: str
    ) -> None:
        """`child_main(job_r, report_w)` is each child's whole life; `generation`: of the Redis
        connection the zygote inherits (fork.child_redis); `title`: its process title."""
        self.generation = generation
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover  (runs in the zygote)
            self._sock.close()
            _serve(theirs, child_main, title)
        theirs.close()
        self._sock.settimeout(_ANSWER_SECONDS)
        self._spawned: deque[int] = deque()
        self._statuses: dict[int, int] = {}
        self._released: list[int] = []

    def fork(self, job_r: int, report_w: int) -> None:
        """Ask for a child running `child_main(job_r, report_w)`; spawned() says its pid.

        The descriptors are the zygote's to close."""
        self.send_releases()
        self._send(b"F", (job_r, report_w))

    def spawned(self) -> int:
        """The pid of the oldest child asked for and not yet collected."""
        while not self._spawned:
            self._receive()
        return self._spawned.popleft()

    def exit_status(self, pid: int) -> int:
        """The wait status of a child that has exited or been killed (not released).

        If the zygote is gone, so is the child, killed by its parent-death signal: SIGKILL.
        """
        try:
            self._send(b"W%d" % pid)
            while pid not in self._statuses:
                self._receive()
        except ZygoteGone:
            return signal.SIGKILL
        return self._statuses.pop(pid)

    def release(self, pid: int) -> None:
        """The worker is done with this child: the zygote may reap it once send_releases()
        or the next fork() tells it (until then the worker may still signal its group)."""
        self._released.append(pid)

    def send_releases(self) -> None:
        released, self._released = self._released, []
        for pid in released:
            self._send(b"R%d" % pid)

    def stop(self, *, kill: bool = False) -> None:
        """End the zygote and everything it forked; return once the zygote is gone.

        At EOF on its socket it kills and reaps its children and exits; one that does not exit
        in time, or any with `kill` (it stopped answering), is killed, and its children die by
        their parent-death signal."""
        self._sock.close()
        pidfd = os.pidfd_open(self.pid)
        try:
            if kill or not select.select([pidfd], [], [], _ANSWER_SECONDS)[0]:
                os.kill(self.pid, signal.SIGKILL)
        finally:
            os.close(pidfd)
        os.waitpid(self.pid, 0)

    def _send(self, message: bytes, fds: tuple[int, ...] = ()) -> None:
        try:
            socket.send_fds(self._sock, [message], list(fds))
        except OSError as exc:
            raise ZygoteGone(f"zygote pid {self.pid}: {exc}") from exc

    def _receive(self) -> None:
        try:
            message = self._sock.recv(64)
        except OSError as exc:
            raise ZygoteGone(f"zygote pid {self.pid}: {exc}") from exc
        if not message:
            raise ZygoteGone(f"zygote pid {self.pid} has exited")
        if message[:1] == b"S":
            self._spawned.append(int(message[1:]))
        else:
            pid, status = message[1:].split()
            self._statuses[int(pid)] = int(status)


def _serve(sock: socket.socket, child_main: Callable[[int, int], NoReturn], title: str) -> NoReturn:
    """The zygote's life: answer the worker until it closes the socket or dies."""
    try:
        _become_zygote(title)
        _Loop(sock, child_main).run()
    finally:
        os._exit(1)


def _become_zygote(title: str) -> None:
    """Die with the worker, and take no signal meant for it (a terminal's ^C reaches the whole
    group): the zygote ends when the worker closes the socket or dies."""
    fork.die_with_parent()
    for signum in fork.WORKER_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    setproctitle(title)


class _Loop:
    """The zygote's state: the children it forked and has not reaped, and among them the
    released ones, watched through a pidfd each until they exit."""

    def __init__(self, sock: socket.socket, child_main: Callable[[int, int], NoReturn]) -> None:
        self.sock = sock
        self.child_main = child_main
        self.children: set[int] = set()
        self.released: dict[int, int] = {}  # pidfd -> pid
        self.poller = select.poll()
        self.poller.register(sock, select.POLLIN)

    def run(self) -> None:
        while True:
            for fd, _ in self.poller.poll():
                if fd in self.released:
                    self._reap_released(fd)
                else:
                    message, fds, _, _ = socket.recv_fds(self.sock, 64, 2)
                    self._answer(message, fds)

    def _answer(self, message: bytes, fds: list[int]) -> None:
        if not message:
            self._end()
        kind, pid = message[:1], int(message[1:] or 0)
        if kind == b"F" and len(fds) == 2:
            self.sock.send(b"S%d" % self._spawn(fds[0], fds[1]))
        elif kind == b"W":
            self.sock.send(b"X%d %d" % (pid, self._reap(pid)))
        elif kind == b"R" and pid in self.children:
            pidfd = os.pidfd_open(pid)
            self.released[pidfd] = pid
            self.poller.register(pidfd, select.POLLIN)

    def _spawn(self, job_r: int, report_w: int) -> int:
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (runs in the child)
            self.sock.close()
            for pidfd in self.released:
                os.close(pidfd)
            self.child_main(job_r, report_w)
        os.close(job_r)
        os.close(report_w)
        self.children.add(pid)
        return pid

    def _reap_released(self, pidfd: int) -> None:
        self.poller.unregister(pidfd)
        os.close(pidfd)
        self._reap(self.released.pop(pidfd))

    def _reap(self, pid: int) -> int:
        if pid not in self.children:  # not ours, or reaped already: nothing to wait for
            return signal.SIGKILL
        self.children.discard(pid)
        return os.waitpid(pid, 0)[1]

    def _end(self) -> NoReturn:
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in self.children:
            os.waitpid(pid, 0)
        os._exit(0)
