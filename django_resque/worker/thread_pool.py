"""Threads that perform payloads side by side (`resque_work --threads N`).

The pool performs; it never touches Redis state of its own: each finished payload becomes a
completion, (slot index, Outcome), that the worker's loop collects and records. The loop waits
on `fileno()`, which becomes readable when a completion is ready, beside its other waits.
The same pool runs in the worker process (`--no-fork`) and in the one child that performs for a
forking worker (thread_child.py).

Each job thread uses its own Django database connections, dropped if stale before the job and
all closed after it, as a forked child's are when it exits. `async def` jobs of all threads run
on the pool's one event loop (event_loop.py).
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import threading

from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import decode_or_none
from django_resque.jobs.perform import perform
from django_resque.worker.db_connections import (
    close_connections_of_this_thread,
    database_connections,
)
from django_resque.worker.event_loop import EventLoopThread

Completion = tuple[int, Outcome]  # (slot index, what came of its payload)


class ThreadPool:
    """`size` threads taking (slot index, payload) and leaving completions behind."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[tuple[int, bytes, str] | None] = queue.SimpleQueue()
        self._done: collections.deque[Completion] = collections.deque()  # appends are atomic
        self._ready_r, self._ready_w = os.pipe()  # a byte per completion wakes the loop
        os.set_blocking(self._ready_r, False)
        self._threads: list[threading.Thread] = []
        self._event_loop = EventLoopThread()  # for async def jobs (event_loop.py)

    def start(self) -> None:
        self._event_loop.start()
        for n in range(1, self.size + 1):
            thread = threading.Thread(target=self._run, name=f"django-resque-job-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(self, index: int, raw: bytes, queue: str = "") -> bool:
        """Hand a payload (from `queue`) to the next free thread; the caller keeps to `size` at
        a time."""
        self._jobs.put((index, raw, queue))
        return True

    def fileno(self) -> int:
        """Readable once a completion is waiting."""
        return self._ready_r

    def filenos(self) -> list[int]:
        return [self._ready_r]

    def completions(self) -> list[Completion]:
        """Take the completions ready now (none: an empty list, without blocking)."""
        with contextlib.suppress(BlockingIOError):
            os.read(self._ready_r, 65536)
        done = []
        while self._done:
            done.append(self._done.popleft())
        return done

    def stop(self, *, wait: bool) -> None:
        """Let each thread end after its current job; `wait`: until they have."""
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def _run(self) -> None:
        self._event_loop.adopt_in_this_thread()
        while (job := self._jobs.get()) is not None:
            index, raw, from_queue = job
            try:
                with database_connections():
                    outcome = perform(raw, decode_or_none(raw), queue=from_queue or None)
            finally:
                close_connections_of_this_thread()
            self._done.append((index, outcome))
            os.write(self._ready_w, b".")
