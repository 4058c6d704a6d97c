"""Record what came of one attempt, from the worker's parent process, in one round trip.

Success updates the job's status; a failure with attempts left schedules the next attempt
(failures/retries.py) and marks the status retrying; a final failure goes to the failed list
(failures/registry.py) with its attempt count and marks the status failed. All three are one call of
job_finish.lua; a worker instead hands a success (`success()`) to its next reserve call, which
stores it first.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django_resque.failures import records as failure_records
from django_resque.failures import retries
from django_resque.groups import records as group_records
from django_resque.jobs.membership import group_of, member_of
from django_resque.jobs.outcome import Outcome
from django_resque.jobs.payload import Payload, decode_or_none
from django_resque.jobs.perform import after_dirty_exit
from django_resque.jobs.registry import get_job
from django_resque.limits import records as limit_records
from django_resque.metrics import recording
from django_resque.metrics.recording import Attempt, Tally
from django_resque.results import status, timeline
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

if TYPE_CHECKING:
    from django_resque.jobs.definition import Job

logger = logging.getLogger(__name__)

_NO_STATUS = "-"  # a job id no status hash ever has
_OUTCOMES = {"ok": recording.SUCCEEDED, "retry": recording.RETRIED, "fail": recording.FAILED}


@dataclass(frozen=True, slots=True)
class Success:
    """A success to store in a status hash: the worker's next reserve call carries it."""

    job_id: str
    result: str  # JSON
    finished_at: str  # ISO-8601 UTC, taken when the job finished (not when it is stored)
    group: str | None = None  # the group the job is a member of, told of its success
    limits: str = ""  # the payload's limits field as JSON: what the job held is freed


def success(payload: Payload | None, outcome: Outcome) -> Success | None:
    """What a successful job stores; None if it keeps no status, is in no group and holds no
    limit.

    `payload` is the one the worker decoded to perform it (None if it was malformed).
    """
    if payload is None or not payload.id:
        return None
    group, limits = group_of(payload.extras), limit_records.field_json(payload.extras)
    definition = get_job(payload.job_name)
    if definition is not None and not definition.store_result and group is None and not limits:
        return None
    return Success(payload.id, _result_json(outcome.result), status.now_iso(), group, limits)


def store_success(done: Success, worker_id: str, tally: Tally | None = None) -> None:
    """Store a success on its own, when no reserve call follows (pause, shutdown).

    The same call records the sums `tally` holds.
    """
    keys = get_keys()
    metrics = tally.script_args(now=True) if tally is not None else []
    scripts.run(
        "job_finish",
        [keys.job(done.job_id)],
        [
            "ok",
            keys.failed_index_prefix(),
            done.finished_at,
            status.result_ttl(),
            done.result,
            "",
            "",
            *_held(done.limits, worker_id, done.job_id),
            *_membership(done.group, done.job_id, done.finished_at),
            *metrics,
        ],
    )
    if tally is not None:
        tally.sent(metrics)


@dataclass(frozen=True, slots=True)
class Recording:
    """One attempt's job_finish call, built once; sent again as is when its reply was lost."""

    keys: list[str]
    args: list[Any]
    outcome: Outcome  # as finally decided (a retry or not)
    metrics: list[Any]  # the sums of the worker's tally that the call carries


def record(
    raw: bytes,
    outcome: Outcome,
    *,
    queue: str,
    worker_id: str,
    tally: Tally | None = None,
    attempt: Attempt | None = None,
) -> Outcome:
    """Store the outcome (status, retry or failure record); return it as finally decided.

    A worker passes its `tally` and the `attempt` it measured: the same call records them.
    """
    call = prepare(raw, outcome, queue=queue, worker_id=worker_id, tally=tally, attempt=attempt)
    return outcome if call is None else send(call, tally)


def prepare(
    raw: bytes,
    outcome: Outcome,
    *,
    queue: str,
    worker_id: str,
    tally: Tally | None = None,
    attempt: Attempt | None = None,
    attempt_id: str = "",
) -> Recording | None:
    """Decide the outcome and build its job_finish call; None when there is nothing to write.

    Deciding runs a dead child's on_failure hooks and schedules a retry, so it is done once
    per attempt. With an `attempt_id` the script records that attempt once, however often
    the call is sent (worker/slot.py sends it again after a lost reply).
    """
    payload, definition = _resolve(raw)
    if not outcome.ok and outcome.exception == "DirtyExit" and outcome.retry_in is None:
        outcome = after_dirty_exit(raw, outcome)
    keys = get_keys()
    job_id = payload.id if payload is not None and payload.id else _NO_STATUS
    if definition is not None and not definition.store_result:
        job_id = _NO_STATUS
    group, member_id = member_of(raw, payload)
    limits = limit_records.field_json(payload.extras) if payload is not None else ""
    if outcome.ok and job_id == _NO_STATUS and group is None and not limits:
        return None  # nothing to write: success costs no round trip without a status
    mode, extra = _mode_args(raw, payload, outcome, queue=queue, worker_id=worker_id)
    metrics = _metrics(tally, attempt, queue, mode)
    now = status.now_iso()
    script_keys = [
        keys.job(job_id),
        keys.failed(),
        keys.failed_data(),
        keys.failed_seq(),
        keys.stat("failed"),
        keys.stat("failed", worker_id),
        keys.retries(),
        keys.stat("retried"),
        keys.failed_index(),
        keys.minute_stat("failed", timeline.minute_of()),
        keys.recorded(worker_id),
    ]
    args = [
        mode,
        keys.failed_index_prefix(),
        now,
        status.result_ttl(),
        *extra,
        *[""] * (3 - len(extra)),
        *_held(limits, worker_id, payload.id if payload is not None else None),
        *_membership(group, member_id, now),
        *(metrics or recording.OFF_ARGS),
        attempt_id,
    ]
    return Recording(script_keys, args, outcome, metrics)


def send(call: Recording, tally: Tally | None = None) -> Outcome:
    """Run a prepared job_finish call; return its outcome. `tally` forgets the sums it carried."""
    scripts.run("job_finish", call.keys, call.args)
    if tally is not None:
        tally.sent(call.metrics)
    return call.outcome


def _held(limits: str, worker_id: str, job_id: str | None) -> list[Any]:
    """job_finish.lua's ARGV[8 .. 15]: the limits the job held, who held them, the settings."""
    if not limits or not job_id:
        return [""] * 8
    return [limits, worker_id, job_id, *limit_records.script_args()]


def _membership(group: str | None, member_id: str, now: str) -> list[Any]:
    """job_finish.lua's ARGV[16 .. 25]: the group, the member id and the group settings."""
    if group is None:
        return [""] * 10
    return [group, member_id, *group_records.script_args(now)]


def _metrics(tally: Tally | None, attempt: Attempt | None, queue: str, mode: str) -> list[Any]:
    """job_finish.lua's ARGV[26 .. 29]: the attempt measured, with the sums the tally held."""
    if tally is None:
        return []
    if attempt is not None:
        tally.add(attempt, queue, _OUTCOMES[mode])
    return tally.script_args(now=True)


def log(worker_id: str, queue: str, payload: Payload | None, outcome: Outcome) -> None:
    """Log what came of one job, as operators grep for it: event=done or event=failed.

    This is the one line a failed attempt gets (the job_failed signal logs none): at WARNING
    when the job will be retried, at ERROR when the failure is final.
    """
    name = payload.job_name if payload is not None else "<malformed>"
    if outcome.ok:
        logger.info("worker=%s event=done queue=%s job=%s", worker_id, queue, name)
        return
    will_retry = outcome.retry_in is not None
    logger.log(
        logging.WARNING if will_retry else logging.ERROR,
        "worker=%s event=failed queue=%s job=%s exception=%s id=%s attempt=%s will_retry=%s "
        "error=%s",
        worker_id,
        queue,
        name,
        outcome.exception,
        payload.id if payload is not None and payload.id else "-",
        outcome.attempt,
        will_retry,
        outcome.error,
    )


def _mode_args(
    raw: bytes, payload: Payload | None, outcome: Outcome, *, queue: str, worker_id: str
) -> tuple[str, list[Any]]:
    if outcome.ok:
        return "ok", [_result_json(outcome.result)]
    error = json.dumps(
        {"exception": outcome.exception, "error": outcome.error, "backtrace": outcome.backtrace},
        ensure_ascii=False,
    )
    if outcome.retry_in is not None and payload is not None:
        due = time.time() + outcome.retry_in
        nxt = retries.next_attempt(raw, payload, outcome.attempt, due=due)
        logger.info(
            "event=retry-scheduled job=%s id=%s attempt=%s in=%.1fs",
            payload.job_name,
            payload.id,
            outcome.attempt + 1,
            outcome.retry_in,
        )
        return "retry", [error, repr(due), retries.member(queue, nxt)]
    rec = failure_records.build(
        raw, outcome, queue=queue, worker_id=worker_id, attempts=outcome.attempt
    )
    return "fail", [error, rec["id"], rec.encode()]


def _resolve(raw: bytes) -> tuple[Payload | None, Job[Any, Any] | None]:
    payload = decode_or_none(raw)
    return payload, None if payload is None else get_job(payload.job_name)


def _result_json(result: Any) -> str:
    try:
        return json.dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return json.dumps({"unserializable": f"return value could not be stored as JSON: {exc}"})
