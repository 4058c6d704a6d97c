"""Reservation: which queues a worker serves, and the one script call that takes its next job.

The reserve script (lua/reserve.lua) counts the jobs finished since the last call, takes the next
payload in priority order, writes the worker's in-flight record and, when the job keeps a status
hash, marks it running; it also stores the success of the job finished last (finish.Success):
one round trip per job. An idle worker sends the same call together with its BLPOP on the wake
tokens (wait_and_take), so a job enqueued while it waits is taken in that one round trip too.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django_resque.groups import records as group_records
from django_resque.limits import records as limit_records
from django_resque.metrics import recording
from django_resque.queues import lists as queues
from django_resque.queues.priority import PRIORITY_SLOT
from django_resque.results import status, timeline
from django_resque.storage import scripts
from django_resque.storage.keys import Keys

if TYPE_CHECKING:
    from django_resque.worker.finish import Success

DIVERTED = -2  # the reserve script's reply after a run of payloads that wait on limits


class Reservation:
    """A worker's queues (globs resolved at most once a poll) and its reserve script call."""

    def __init__(self, worker_id: str, patterns: list[str], interval: float, keys: Keys) -> None:
        self.worker_id = worker_id
        self.patterns = patterns
        self.interval = interval
        self.keys = keys
        self._queues: list[str] = []
        self._queues_at = 0.0
        self._keys_for: list[str] | None = None
        self._keys_cache: list[str] = []
        self._job_prefix = keys.job_prefix()  # the script appends the payload's id
        self._limit_settings = tuple(limit_records.script_args())
        self._dynamic = queues.is_dynamic(patterns)

    def take(
        self, finished: int, token: str, done: Success | None, metrics: list[Any] | None = None
    ) -> tuple[str, bytes] | int | None:
        """Count `finished` jobs, store `done`, take the next payload; -1 if we were pruned.

        `metrics` are lua/_metrics.lua's arguments: the attempts they hold are recorded too
        (None: record nothing, not even the wait of the payload taken).
        """
        metrics = recording.OFF_ARGS if metrics is None else metrics
        names = self.queue_names()
        keys, args = self._script_call(names, finished, token, done, metrics)
        result = scripts.run("reserve", keys, args)
        return self._again_if_diverted(result, names, token, metrics)

    def wait_and_take(
        self, token: str, metrics: list[Any] | None = None
    ) -> tuple[str, bytes] | int | None:
        """Wait for a wake-up token or the poll interval, then take a payload: one round trip.

        Sent before the wait, the script takes its times from Redis TIME (not our clock). With
        no concrete queue to wait on (globs that match nothing yet) this just sleeps.
        """
        metrics = recording.OFF_ARGS if metrics is None else metrics
        names = self.queue_names()
        if not names:
            time.sleep(self.interval)
            return None
        keys, args = self._script_call(names, 0, token, None, metrics)
        wake = [self.keys.wake(q) for q in names]
        result = scripts.run_after_blpop(wake, self.interval, "reserve", keys, args)
        return self._again_if_diverted(result, names, token, metrics)

    def _again_if_diverted(
        self, result: object, names: list[str], token: str, metrics: list[Any]
    ) -> tuple[str, bytes] | int | None:
        """The reserve's reply; called again while it answers that every payload it looked at
        had to wait on a limit (bounded work per call: the queues are not empty yet)."""
        recorded = [*metrics[:-1], ""]  # the first call recorded the attempts
        while result == DIVERTED:
            keys, args = self._script_call(names, 0, token, None, recorded)
            result = scripts.run("reserve", keys, args)
        return _taken(result)

    def _script_call(
        self, names: list[str], finished: int, token: str, done: Success | None, metrics: list[Any]
    ) -> tuple[list[str], list[object]]:
        """The reserve script's KEYS and ARGV (see the header of lua/reserve.lua)."""
        ok: tuple[object, ...] = ("", "", "", 0, "", *self._limit_settings, "")
        if done is not None:
            ok = (
                *(done.job_id, done.result, done.finished_at, status.result_ttl(), done.limits),
                *(*self._limit_settings, done.group or ""),
            )
            if done.group is not None:  # the group settings follow its id (lua/_groups.lua)
                ok += tuple(group_records.script_args(done.finished_at))
        minute = self.keys.minute_stat("processed", timeline.minute_of())
        keys = [*self.reserve_keys(names), minute]
        head = [finished, self.worker_id, token, self._job_prefix]
        return keys, [*head, *ok, *names, PRIORITY_SLOT, *metrics]

    def reserve_keys(self, names: list[str]) -> list[str]:
        """The reserve script's KEYS for these queues, built once per queue list (hot path)."""
        if self._keys_for != names:
            keys = self.keys
            self._keys_cache = [
                keys.worker(self.worker_id),
                keys.stat("processed"),
                keys.stat("processed", self.worker_id),
                keys.pause_all(),
                keys.paused_queues(),
                keys.incarnations(),
                *(keys.queue(q) for q in names),
                *(keys.wake(q) for q in names),
                *(keys.priority(q) for q in names),  # django.tasks priorities
            ]
            self._keys_for = list(names)
        return self._keys_cache

    def queue_names(self) -> list[str]:
        """Return the concrete queues to reserve from, resolving globs at most once a poll."""
        if not self._dynamic:
            return self.patterns
        now = time.monotonic()
        if not self._queues or now - self._queues_at >= self.interval:
            self._queues = queues.resolve(self.patterns, queues.names())
            self._queues_at = now
        return self._queues


def _taken(result: object) -> tuple[str, bytes] | int | None:
    """The reserve script's reply as (queue, payload), -1 (pruned) or None (nothing to take)."""
    if result == -1:
        return -1
    if not isinstance(result, list) or not result:
        return None
    return result[0].decode(), result[1]
