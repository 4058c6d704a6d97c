"""The parent's watch over one running child: heartbeats, shutdown, USR1 and timeouts.

`tick(pid)` runs in the worker parent every fraction of a second while the child works
(fork.wait_for_child's hook). Whatever ends the child early kills its whole process group with
SIGKILL, so grandchildren go too, and leaves a verdict that says what becomes of the job.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from enum import Enum

import redis

from django_resque.conf import get_config
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.registry import get_job
from django_resque.worker.heartbeat import Heartbeat, Pruned
from django_resque.worker.os_signals import Signals

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.2


def job_timeout(name: str) -> float | None:
    """Seconds a job named `name` may run: its @job(timeout=...), else RESQUE["JOB_TIMEOUT"]."""
    definition = get_job(name)
    if definition is not None and definition.timeout is not None:
        return float(definition.timeout)
    default = get_config()["JOB_TIMEOUT"]
    return None if default is None else float(default)


class Verdict(Enum):
    REQUEUE = "requeue"  # TERM/INT: grace period over; the job goes back, not failed
    KILLED = "killed"  # USR1: a failure
    TIMEOUT = "timeout"  # ran past its timeout: a failure
    ABANDONED = "abandoned"  # this worker was pruned; the job already belongs to someone else


class ChildWatch:
    """Decide, tick by tick, whether the child may go on."""

    def __init__(self, signals: Signals, heartbeat: Heartbeat, timeout: float | None) -> None:
        self.signals = signals
        self.heartbeat = heartbeat
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.verdict: Verdict | None = None

    def tick(self, pid: int) -> None:
        if self.verdict is not None:
            return
        if self.signals.child_must_stop():
            self.stop(pid, Verdict.REQUEUE)
        elif self.signals.kill_child:
            self.signals.kill_child = False
            self.stop(pid, Verdict.KILLED)
        elif self.deadline is not None and time.monotonic() >= self.deadline:
            self.stop(pid, Verdict.TIMEOUT)
        else:
            self._beat(pid)

    def _beat(self, pid: int) -> None:
        try:
            self.heartbeat.beat_if_due()
        except Pruned:
            self.stop(pid, Verdict.ABANDONED)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            logger.warning("event=heartbeat-failed error=%s", exc)  # the child works on

    def stop(self, pid: int, verdict: Verdict) -> None:
        """Kill the child's process group (grandchildren included) and remember why."""
        self.verdict = verdict
        logger.warning("event=child-killed pid=%s reason=%s", pid, verdict.value)
        kill_group(pid)

    def outcome(self, pid: int, outcome: Outcome) -> Outcome:
        """Return what to record for a child this watch ended (REQUEUE/ABANDONED: nothing)."""
        if self.verdict is Verdict.KILLED:
            return killed_by_usr1(pid)
        if self.verdict is Verdict.TIMEOUT and self.timeout is not None:
            return timed_out(self.timeout, pid)
        return outcome


def killed_by_usr1(pid: int) -> Outcome:
    """The failure of a job whose child was killed by SIGUSR1 to the worker."""
    return Outcome.dirty_exit(f"Child pid {pid} was killed by SIGUSR1 to the worker.")


def timed_out(timeout: float, pid: int) -> Outcome:
    """The failure of a job that ran past its timeout, for which its child was killed."""
    return Outcome(
        ok=False,
        exception="JobTimeout",
        error=f"Job ran longer than its timeout of {timeout:g} s; the worker "
        f"killed its process group (child pid {pid}).",
    )


def kill_group(pid: int) -> None:
    """SIGKILL the process group the child leads, or the child alone if it has none yet."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def kill_leftovers(pid: int) -> None:
    """SIGKILL whatever is left of a child's process group (grandchildren it spawned).

    The child itself may still be exiting (fork.py takes a complete report without waiting for
    the exit): killing it then is harmless, its report is already taken, and a pid is not
    reused before it is reaped. After the reap, Linux does not hand out a pid that is still
    some group's id.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
