"""What a worker slot measured and has not sent yet, as the arguments of lua/_metrics.lua.

The worker adds one entry per attempt it records (job label, queue, outcome, duration, when
it ended); the next script call it makes anyway carries them: the reserve call after a job,
job_finish.lua for a failure, or at a pause or shutdown the calls made then (`flush`). The
keys' lifetimes are set here, and the reads (windows.py) cover no more than they keep.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django_resque.conf import get_config
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

# The label of attempts whose payload names no registered job: one label, so payloads with
# made-up names cannot create keys without bound.
UNKNOWN_JOB = "(unknown)"
# Outcomes, as _metrics.lua numbers them.
SUCCEEDED, RETRIED, FAILED = 0, 1, 2
# Minute keys serve the 8 h window, hour keys the 3 d one; each lives an hour or so beyond.
MINUTE_TTL = 9 * 3600
HOUR_TTL = 75 * 3600
OFF_ARGS: list[Any] = ["", 0, 0, ""]  # _metrics.lua's arguments that record nothing


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt as the worker measured it; its outcome is decided when it is recorded."""

    job: str  # the job's name, or UNKNOWN_JOB
    seconds: float  # from the reserve call's reply to the outcome's recording
    at: float  # epoch seconds when it ended (the worker's clock): the minute it counts in


def enabled() -> bool:
    """RESQUE["METRICS"]: whether workers record anything at all."""
    return get_config()["METRICS"] is not False


class Tally:
    """One slot's attempts not yet recorded in Redis, and the settings that go with them."""

    __slots__ = ("_head", "entries")

    def __init__(self) -> None:
        self.entries: list[list[Any]] = []
        on = enabled()
        self._head = [get_keys().metrics_prefix(), MINUTE_TTL, HOUR_TTL] if on else ["", 0, 0]

    def add(self, job: str, queue: str, outcome: int, seconds: float, at: float) -> None:
        """Note one attempt: its label, queue, outcome, duration and when it ended."""
        if self._head[0]:
            self.entries.append([job, queue, outcome, int(seconds * 1_000_000), int(at)])

    def add_attempt(self, attempt: Attempt, queue: str, outcome: int) -> None:
        """Note one measured attempt with its outcome."""
        self.add(attempt.job, queue, outcome, attempt.seconds, attempt.at)

    def script_args(self, *, entries: bool = True) -> list[Any]:
        """_metrics.lua's arguments: with the entries held, or (entries=False) none."""
        held = json.dumps(self.entries, separators=(",", ":")) if entries and self.entries else ""
        return [*self._head, held]

    def clear(self) -> None:
        """Forget the entries: a script call recorded them (or they are not ours to record)."""
        self.entries.clear()

    def flush(self) -> None:
        """Record the entries held now, in one call (a pause or a shutdown: no call follows)."""
        if self.entries:
            scripts.run("metrics_flush", [], self.script_args())
            self.entries.clear()
