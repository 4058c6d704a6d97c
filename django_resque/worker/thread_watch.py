"""The parent's watch over a ThreadChild (thread_child.py): the jobs it runs, when to end it,
and what then becomes of each job it holds.

Threads cannot be stopped one by one, so whatever ends one job early ends the child: a job past
its timeout fails with JobTimeout and the others it held go back on their queues, TERM's grace
period over puts them all back, USR1 fails them all as a killed child's job fails, and a slot
pruned while alive puts the others back (its own job already belongs to the pruner).
Recycling (--max-jobs, --max-memory) retires the child instead: it finishes what it holds first.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload, decode_or_none
from django_resque.worker.child_watch import job_timeout, killed_by_usr1, timed_out
from django_resque.worker.os_signals import Signals
from django_resque.worker.slot import Slot

logger = logging.getLogger(__name__)


@dataclass
class Running:
    """A payload a slot holds while the performer runs it."""

    queue: str
    raw: bytes
    payload: Payload | None
    timeout: float | None  # fork mode only: without a child to kill, none is enforced
    deadline: float | None  # monotonic
    abandoned: bool = False  # its slot was pruned meanwhile: the outcome is not ours

    @classmethod
    def of(cls, queue: str, raw: bytes, *, timed: bool) -> Running:
        """The payload just reserved; `timed`: its job's timeout is enforced (fork mode)."""
        payload = decode_or_none(raw)
        timeout = job_timeout(payload.job_name if payload is not None else "") if timed else None
        deadline = None if timeout is None else time.monotonic() + timeout
        return cls(queue, raw, payload, timeout, deadline)

    @property
    def name(self) -> str:
        return self.payload.job_name if self.payload is not None else "<malformed>"


@dataclass(frozen=True)
class ChildEnd:
    """Why the child ends, and what that means for each job it held."""

    reason: str  # shutdown, usr1, timeout, abandoned or recycle
    retire: bool = False  # recycle: let it finish its jobs, then exit
    timeouts: Mapping[int, float] = field(default_factory=dict)  # slot index -> its timeout

    def outcome_for(self, index: int, pid: int) -> Outcome | None:
        """The failure to record for the job of slot `index`; None: put it back on its queue."""
        if self.reason == "usr1":
            return killed_by_usr1(pid)
        if index in self.timeouts:
            return timed_out(self.timeouts[index], pid)
        return None


def end_child(
    signals: Signals, running: Mapping[int, Running], *, recycle_due: bool
) -> ChildEnd | None:
    """Decide, tick by tick, whether the child must end; None while it may go on."""
    if running and signals.child_must_stop():
        return ChildEnd("shutdown")
    if signals.kill_child:
        signals.kill_child = False
        if running:
            return ChildEnd("usr1")
    now = time.monotonic()
    late = {
        index: held.timeout
        for index, held in running.items()
        if held.deadline is not None and held.timeout is not None and now >= held.deadline
    }
    if late:
        return ChildEnd("timeout", timeouts=late)
    if recycle_due:
        return ChildEnd("recycle", retire=True)
    return None


def abandon_process(worker_id: str, slots: list[Slot]) -> None:
    """No fork, TERM's grace period over: threads cannot be stopped, so the process goes."""
    logger.warning("worker=%s event=immediate-stop action=requeue-and-exit", worker_id)
    for slot in slots:
        slot.release(crashed=False)  # the jobs still running go back
    os._exit(1)
