"""What the Limits page shows of each limit: a lock, a concurrency limit's slots, a rate window.

Plain values that limits/browse.py builds from Redis; the admin renders them. A limit's key `k`
is the job's name, `<job name>/<key>`, or `while/<job name>/...` for the one slot a
`while_executing` unique job holds, so each row can say which job it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django_resque.limits.waiting import WaitingJob


def job_name(k: str) -> str:
    """The job a limit's key belongs to: `<job>`, `<job>/<key>` or `while/<job>/...`."""
    parts = k.split("/")
    return parts[1] if parts[0] == "while" and len(parts) > 1 else parts[0]


@dataclass(frozen=True, slots=True)
class Waiting:
    count: int
    jobs: tuple[WaitingJob, ...] = ()  # the oldest ones, as many as the read asked for


@dataclass(frozen=True, slots=True)
class Lock:
    k: str
    holder: str  # the id of the job holding it, cut at browse.VALUE_BYTES
    expires_ms: int | None  # PTTL; None when it has no expiry (or just went)

    @property
    def job_name(self) -> str:
        return job_name(self.k)


@dataclass(frozen=True, slots=True)
class Holder:
    field: str  # a worker id, or `~<job id>` for a slot handed to a released job
    job_id: str  # the job the worker runs, or the job the slot was handed to
    deadline_ms: int | None  # a handed-out slot's deadline (epoch ms); None for a worker's

    @property
    def handed_out(self) -> bool:
        return self.field.startswith("~")

    @property
    def deadline(self) -> int | None:
        """The deadline in epoch seconds, as the pages' resque_time filter reads times."""
        return None if self.deadline_ms is None else self.deadline_ms // 1000


@dataclass(frozen=True, slots=True)
class Slots:
    k: str
    in_use: int  # fields of the hash: the workers' slots and the handed-out ones
    limit: int | None  # None when nothing in Redis states it
    holders: tuple[Holder, ...]  # at most browse.HOLDERS_SHOWN, workers first
    waiting: Waiting

    @property
    def job_name(self) -> str:
        return job_name(self.k)


@dataclass(frozen=True, slots=True)
class Rate:
    k: str
    starts: int  # within the window when its length is known, else all the zset holds
    limit: int | None
    per: int | None  # the window, in seconds
    waiting: Waiting

    @property
    def job_name(self) -> str:
        return job_name(self.k)


@dataclass(slots=True)
class Listing:
    locks: list[Lock] = field(default_factory=list)
    slots: list[Slots] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (key name, its type)
    complete: bool = True  # False when the SCAN stopped before it saw every key
