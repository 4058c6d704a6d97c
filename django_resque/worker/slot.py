"""A slot: one Resque worker identity in Redis, performing one job at a time.

A worker process has one slot (`host:pid:queues`, Resque's id) or, with `--threads N`, N of them
(`host:pid+1:queues` .. `host:pid+N:queues`, as node-resque's multiWorker names them). Each slot
has its own registration, incarnation token, heartbeat field and in-flight record `worker:<id>`,
so recovery, the admin's Workers page and every Resque tool see each job in progress.

The slot keeps the bookkeeping between its reserve script calls: jobs finished but not yet
counted, the last success (stored by the next reserve, in the same round trip), the attempts it
measured and has not recorded (metrics/recording.py: they travel in the same calls), and whether
a payload may linger in its record because a reply was lost.

A failure is recorded by a job_finish call built once per attempt, with an id of its own. When
that call's reply is lost, the call goes out again as it was before anything else (the next
reserve, or the same outcome recorded again by the threaded loop), and the script, finding that
id already recorded, records nothing twice. The job is not put back: it was performed.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload
from django_resque.jobs.registry import get_job
from django_resque.metrics import recording
from django_resque.storage.keys import Keys
from django_resque.worker import finish, recovery
from django_resque.worker.heartbeat import Heartbeat, Pruned
from django_resque.worker.os_signals import Signals
from django_resque.worker.registration import (
    claim_id,
    explain_lost_registration,
    register,
    unregister,
)
from django_resque.worker.reservation import Reservation

logger = logging.getLogger(__name__)

Reserved = tuple[str, bytes]  # (queue, payload)


@dataclass(frozen=True, slots=True)
class Unrecorded:
    """A failure whose job_finish call got no reply: it may have run, or not."""

    reported: Outcome  # as the job reported it; recording this same outcome again resends `call`
    call: finish.Recording
    queue: str
    raw: bytes
    payload: Payload | None


class Slot:
    """One worker identity: registration, heartbeat, reserve and record."""

    def __init__(self, worker_id: str, patterns: list[str], interval: float, keys: Keys) -> None:
        self.id = worker_id
        self.interval = interval
        self.token = uuid.uuid4().hex  # this incarnation; a reused pid gets another
        self.heartbeat = Heartbeat(self.id, self.token)
        self.reservation = Reservation(self.id, patterns, interval, keys)
        self.finished = 0  # jobs performed but not yet counted in stat:processed
        self.success: finish.Success | None = None  # last job's success, stored by next reserve
        self.reclaim = False  # a reserve failed: its reply may be lost and our record hold a job
        self.finished_raw: bytes | None = None  # the last job recorded, whose record may linger
        self.unrecorded: Unrecorded | None = None  # a failure's call whose reply was lost
        self.tally = recording.Tally()  # attempts measured, recorded by the next script call
        self.unconfirmed: list[Any] = recording.OFF_ARGS  # the metrics of the last reserve call
        self.taken_at = 0.0  # monotonic time the payload held was taken: its duration starts
        self.taken_wall = 0.0  # the same moment by the clock: its wait ends

    # --- registration ---------------------------------------------------------------------
    def register(self, signals: Signals, redis_run_id: str) -> None:
        """Claim the id (waiting out a live predecessor), register and send the first beat.

        A registration gone by the first beat (Redis flushed or restarted empty in between, or
        a prune) is made again, as for a slot pruned later on.
        """
        claim_id(self.id, self.interval, signals)
        register(self.id, self.token)
        try:
            self.heartbeat.beat()  # first heartbeat, and a prune if it is our turn (as Ruby does)
        except Pruned:
            self.reborn(redis_run_id)

    def reborn(self, redis_run_id: str) -> None:
        """Re-register under a new token after being pruned while alive (SIGSTOP, frozen VM)."""
        logger.warning("worker=%s event=was-pruned action=re-register", self.id)
        explain_lost_registration(self.id, redis_run_id)
        self.finished = 0  # those jobs were put back by the pruner; not ours to count
        self.success = None  # nor to record: the job runs again
        self.unrecorded = None
        self.tally.clear()
        self.token = uuid.uuid4().hex
        self.heartbeat = Heartbeat(self.id, self.token)
        register(self.id, self.token)
        self.heartbeat.beat()

    def release(self, *, crashed: bool) -> None:
        """At shutdown: put back a job that never ran, count what is uncounted, unregister."""
        try:
            self.record_unrecorded()
        except Pruned:
            self.unrecorded = None  # its job was put back and runs elsewhere
        if self.reclaim:
            self._reclaim(crashed=crashed)
        self.store_success()  # and the attempts measured
        unregister(self.id, self.finished)
        self.finished = 0

    # --- reserve --------------------------------------------------------------------------
    def reserve(self) -> Reserved | None:
        """Count the last job and take the next payload, in one script; None when all are empty.

        The script also marks the job running in its status hash (attempts + 1, worker id).
        """
        self.record_unrecorded()
        if self.reclaim:  # the last reserve's reply may be lost: its payload is in our record
            self._reclaim()
        self.reclaim = True
        self.unconfirmed = metrics = self.tally.script_args()  # the sums, when they are due
        result = self.reservation.take(self.finished, self.token, self.success, metrics)
        self.reclaim = False
        if result == -1:
            raise Pruned(self.id)
        self.finished = 0
        self.success = None
        self.tally.sent(metrics)
        return self._taken(result)

    def _reclaim(self, *, crashed: bool = False) -> None:
        """Put back what our record holds after a failed call (a reserve whose reply was lost).

        If the record still holds the job finished last, that reserve never ran: the count and
        the success it carried are still to send. Otherwise it ran and sent them (its first
        step deletes that record), so they are not sent twice.
        """
        if self.finished and not recovery.holds(self.id, self.finished_raw):
            self.finished, self.success = 0, None
            self.tally.sent(self.unconfirmed)  # and the metrics sums it carried
        recovery.requeue_own(self.id, finished=self.finished_raw, crashed=crashed)
        self.reclaim = False

    def wait_and_reserve(self, signals: Signals) -> Reserved | None:
        """Wait for a wake-up token or the poll interval and take a payload, in one round trip.

        A payload taken while QUIT/TERM or USR2 arrived during the wait goes back unperformed.
        The caller takes over a payload at once (and with it `reclaim`).
        """
        self.reclaim = True  # a lost reply may leave a payload in our in-flight record
        metrics = self.tally.script_args()
        result = self.reservation.wait_and_take(self.token, metrics)
        if isinstance(result, tuple) and (signals.stopping or signals.paused):
            recovery.requeue_own(self.id)  # QUIT/TERM or USR2 came while we waited
            result = None
        self.reclaim = False
        if result == -1:
            raise Pruned(self.id)
        self.tally.sent(metrics)
        return self._taken(result)

    def _taken(self, result: object) -> Reserved | None:
        """The payload taken, if any: its duration is measured from now."""
        if not isinstance(result, tuple):
            return None
        self.taken_at, self.taken_wall = time.monotonic(), time.time()
        return result

    def store_success(self) -> None:
        """Store the last job's success and the attempts measured now, when no reserve call
        will carry them soon (one call, or none when there is nothing to store)."""
        self.record_unrecorded()
        if self.success is not None:
            finish.store_success(self.success, self.id, self.tally)
            self.success = None
        else:
            self.tally.flush()

    # --- record ---------------------------------------------------------------------------
    def record(self, queue: str, raw: bytes, payload: Payload | None, outcome: Outcome) -> None:
        """Record what came of one job: the one place an Outcome becomes Redis state.

        A success is stored by the next reserve call (which follows at once, or by shutdown or
        a pause), in the same round trip as the count of processed jobs. A failure's call is
        built once: the same outcome recorded again (its reply was lost) sends it again.
        """
        if outcome.ok:
            self.success = finish.success(payload, outcome)
            self.tally.add(self._measured(payload), queue, recording.SUCCEEDED)
            self._recorded(queue, raw, payload, outcome)
            return
        if self.unrecorded is None or self.unrecorded.reported is not outcome:
            attempt, attempt_id = self._measured(payload), uuid.uuid4().hex
            call = finish.prepare(
                raw,
                outcome,
                queue=queue,
                worker_id=self.id,
                tally=self.tally,
                attempt=attempt,
                attempt_id=attempt_id,
            )
            assert call is not None  # a failure always has something to write
            self.unrecorded = Unrecorded(outcome, call, queue, raw, payload)
        self._send_unrecorded()

    def record_unrecorded(self) -> None:
        """Send a failure's call whose reply was lost again, once Redis says we are alive.

        Raises Pruned if this worker was pruned meanwhile: its job ran elsewhere, and nothing
        of this run is recorded over it.
        """
        if self.unrecorded is not None:
            self.heartbeat.confirm()
            self._send_unrecorded()

    def _send_unrecorded(self) -> None:
        pending = self.unrecorded
        assert pending is not None
        outcome = finish.send(pending.call, self.tally)
        self.unrecorded = None
        self._recorded(pending.queue, pending.raw, pending.payload, outcome)

    def _recorded(self, queue: str, raw: bytes, payload: Payload | None, outcome: Outcome) -> None:
        finish.log(self.id, queue, payload, outcome)
        self.finished += 1
        self.finished_raw = raw
        self.reclaim = False

    def _measured(self, payload: Payload | None) -> recording.Attempt:
        """The attempt just ended, as this slot measured it (duration, wait)."""
        waited = recording.waited(payload.extras, self.taken_wall) if payload else None
        return recording.Attempt(
            _label(payload), time.monotonic() - self.taken_at, time.time(), waited, self.taken_wall
        )

    def put_back(self) -> None:
        """Put the job in our record back at the head of its queue (stopped before its end)."""
        recovery.requeue_own(self.id)
        self.reclaim = False


def _label(payload: Payload | None) -> str:
    """The job name an attempt is counted under: a registered job's, else one fixed label."""
    if payload is not None and get_job(payload.job_name) is not None:
        return payload.job_name
    return recording.UNKNOWN_JOB
