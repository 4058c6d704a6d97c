"""How a worker performs one reserved payload: in a fresh child, in a child forked ahead, or in
its own process (`--no-fork`). The loop (loop.py) hands it a payload and hears what came of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal

from setproctitle import setproctitle

from django_resque import __version__
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload
from django_resque.storage.clock import local_now
from django_resque.worker.child_watch import (
    TICK_SECONDS,
    ChildWatch,
    Verdict,
    job_timeout,
    kill_leftovers,
)
from django_resque.worker.fork import perform_in_child
from django_resque.worker.heartbeat import Heartbeat
from django_resque.worker.in_process import perform_here
from django_resque.worker.limits import limit_child_memory
from django_resque.worker.os_signals import Signals
from django_resque.worker.prefork import perform_in_spare

# What performing came to: an Outcome to record; REQUEUE (stopped by TERM: the job goes back)
# or ABANDONED (this worker was pruned meanwhile); None (the same, without fork: not ours).
Result = Outcome | Literal[Verdict.REQUEUE, Verdict.ABANDONED] | None


class Executor:
    """Performs payloads for one worker, as its mode says; never records anything itself."""

    def __init__(
        self,
        worker_id: str,
        signals: Signals,
        title: Callable[[str], None],
        *,
        fork: bool,
        fork_ahead: bool,
        max_child_memory: int | None,
    ) -> None:
        self.worker_id = worker_id
        self.signals = signals
        self.title = title
        self.fork = fork
        self.fork_ahead = fork_ahead
        self.max_child_memory = max_child_memory

    def perform(
        self, queue: str, raw: bytes, payload: Payload | None, *, heartbeat: Heartbeat, idle: bool
    ) -> Result:
        """Perform one payload; `idle`: it found the worker idle, so its start latency counts."""
        if not self.fork:
            return perform_here(raw, self.worker_id, heartbeat, self.signals, payload, queue=queue)
        name = payload.job_name if payload is not None else "<malformed>"
        watch = ChildWatch(self.signals, heartbeat, job_timeout(name))
        forked: list[int] = []

        def on_fork(pid: int) -> None:
            forked.append(pid)
            self.title(f"Forked {pid} at {local_now()}")

        title = f"resque-{__version__}: Processing {queue} since {local_now()} [{name}]"
        outcome = self._fork_and_perform(queue, raw, payload, title, on_fork, watch, idle=idle)
        kill_leftovers(forked[0])  # grandchildren the job left behind die with it
        if watch.verdict is Verdict.REQUEUE or watch.verdict is Verdict.ABANDONED:
            return watch.verdict
        return watch.outcome(forked[0], outcome)

    def _fork_and_perform(
        self,
        queue: str,
        raw: bytes,
        payload: Payload | None,
        title: str,
        on_fork: Callable[[int], None],
        watch: ChildWatch,
        *,
        idle: bool,
    ) -> Outcome:
        """Perform in a child forked ahead (FORK_AHEAD, see prefork.py) or forked right now."""
        setup = functools.partial(limit_child_memory, self.max_child_memory)
        if self.fork_ahead:
            return perform_in_spare(
                raw,
                queue=queue,
                title=title,
                child_setup=setup,
                on_fork=on_fork,
                tick=watch.tick,
                tick_seconds=TICK_SECONDS,
                overlap=not idle,
            )

        def in_child() -> None:
            setup()
            setproctitle(title)

        return perform_in_child(
            raw,
            payload,
            queue=queue,
            in_child=in_child,
            on_fork=on_fork,
            tick=watch.tick,
            tick_seconds=TICK_SECONDS,
        )
