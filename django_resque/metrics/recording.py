"""What a worker slot measured and has not sent yet, as the arguments of lua/_metrics.lua.

The worker notes each attempt it records (job label, queue, outcome, duration, when it ended,
how long its payload had waited); the tally adds them up per job, queue and minute, and per
queue and minute for the waits, with their histograms (buckets.py). A script call the worker
makes anyway carries the sums: a reserve call once FLUSH_SECONDS have passed since the last
send (so Redis does the same small work whether a slot runs ten jobs a second or a thousand),
job_finish.lua for a failure, and at a pause or a shutdown the calls made then (`flush`). A
worker killed with -9 loses at most that last second of figures, never a job.
"""

from __future__ import annotations

import json
import math
import time
from bisect import bisect_left
from typing import Any, NamedTuple

from django_resque.conf import get_config
from django_resque.metrics.buckets import BOUNDS_MS
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

# The label of attempts whose payload names no registered job: one label, so payloads with
# made-up names cannot create keys without bound.
UNKNOWN_JOB = "(unknown)"
# Outcomes of an attempt.
SUCCEEDED, RETRIED, FAILED = 0, 1, 2
# Minute keys serve the 8 h window, hour keys the 3 d one; each lives an hour or so beyond.
MINUTE_TTL = 9 * 3600
HOUR_TTL = 75 * 3600
# A slot sends what it holds with its next reserve call once this many seconds have passed,
# or once it holds this many sums (job, queue and minute; or queue and minute).
FLUSH_SECONDS = 1.0
MAX_SUMS = 200
MAX_MICROSECONDS = 10**13  # one duration or wait at most (116 days): hostile times stay bounded
OFF_ARGS: list[Any] = ["", 0, 0, ""]  # _metrics.lua's arguments that record nothing


class Attempt(NamedTuple):
    """One attempt as the worker measured it; its outcome is decided when it is recorded.

    A tuple, not a dataclass: one is made per job on the worker's hot path.
    """

    job: str  # the job's name, or UNKNOWN_JOB
    seconds: float  # from the reserve call's reply to the outcome's recording
    at: float  # epoch seconds when it ended (the worker's clock): the minute it counts in
    waited: float | None = None  # seconds from the payload's queue_time to its taking
    taken: float = 0.0  # epoch seconds when it was taken: the minute its wait counts in


def enabled() -> bool:
    """RESQUE["METRICS"]: whether workers record anything at all."""
    return get_config()["METRICS"] is not False


def waited(extras: dict[str, Any], taken: float) -> float | None:
    """Seconds a payload waited: `taken` minus its `queue_time`; None without a usable one."""
    queued = extras.get("queue_time")
    if not isinstance(queued, int | float) or isinstance(queued, bool):
        return None
    if not math.isfinite(queued) or queued <= 0:
        return None
    return max(0.0, taken - queued)


class Tally:
    """One slot's sums not yet recorded in Redis, and the settings that go with them."""

    __slots__ = ("_head", "jobs", "sent_at", "waits")

    def __init__(self) -> None:
        on = enabled()
        self._head = [get_keys().metrics_prefix(), MINUTE_TTL, HOUR_TTL] if on else ["", 0, 0]
        # (job, queue, minute) -> [attempts, failed, retried, microseconds, {bucket: count}]
        self.jobs: dict[tuple[str, str, int], list[Any]] = {}
        # (queue, minute) -> [jobs, microseconds, {bucket: count}]
        self.waits: dict[tuple[str, int], list[Any]] = {}
        self.sent_at = time.monotonic()

    def add(self, attempt: Attempt, queue: str, outcome: int) -> None:
        """Add one measured attempt, with its outcome, to the sums (once per job: kept lean)."""
        if not self._head[0]:
            return
        key = (attempt.job, queue, int(attempt.at // 60))
        sums = self.jobs.get(key)
        if sums is None:
            sums = self.jobs[key] = [0, 0, 0, 0, {}]
        sums[0] += 1
        if outcome != SUCCEEDED:
            sums[1] += 1
            sums[2] += outcome == RETRIED
        sums[3] += _count_into(sums[4], attempt.seconds)
        if attempt.waited is not None:
            at = (queue, int(attempt.taken // 60))
            wait = self.waits.get(at)
            if wait is None:
                wait = self.waits[at] = [0, 0, {}]
            wait[0] += 1
            wait[1] += _count_into(wait[2], attempt.waited)

    def script_args(self, *, now: bool = False) -> list[Any]:
        """_metrics.lua's arguments: with the sums when `now` or when they are due, else none."""
        held = ""
        if (self.jobs or self.waits) and (now or self._due()):
            held = json.dumps(
                {
                    "j": [[*key, *sums[:4], _flat(sums[4])] for key, sums in self.jobs.items()],
                    "w": [[*key, *sums[:2], _flat(sums[2])] for key, sums in self.waits.items()],
                },
                separators=(",", ":"),
            )
        return [*self._head, held]

    def sent(self, args: list[Any]) -> None:
        """A script call with these arguments succeeded: forget the sums it carried."""
        if args[-1]:
            self.clear()

    def clear(self) -> None:
        """Forget the sums (recorded, or not ours to record) and start a new period."""
        self.jobs.clear()
        self.waits.clear()
        self.sent_at = time.monotonic()

    def flush(self) -> None:
        """Record the sums held now, in one call (a pause or a shutdown: no call follows)."""
        if self.jobs or self.waits:
            args = self.script_args(now=True)
            scripts.run("metrics_flush", [get_keys().metrics_totals()], args)
            self.sent(args)

    def _due(self) -> bool:
        if len(self.jobs) + len(self.waits) >= MAX_SUMS:
            return True
        return time.monotonic() - self.sent_at >= FLUSH_SECONDS


def _count_into(histogram: dict[int, int], seconds: float) -> int:
    """Count one duration in its bucket; return it in microseconds (bounded)."""
    micros = int(seconds * 1_000_000)
    if micros < 0:
        micros = 0
    elif micros > MAX_MICROSECONDS:
        micros = MAX_MICROSECONDS
    index = bisect_left(BOUNDS_MS, micros / 1000)  # buckets.bucket_of, inlined
    histogram[index] = histogram.get(index, 0) + 1
    return micros


def _flat(histogram: dict[int, int]) -> list[int]:
    return [n for pair in histogram.items() for n in pair]
