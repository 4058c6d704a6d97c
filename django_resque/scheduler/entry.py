"""A recurring schedule entry: parsed and checked from RESQUE["SCHEDULE"] or a dynamic config."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from django_resque.scheduler.cron import Timing, parse_every

_ZONE = re.compile(r"^[A-Za-z][A-Za-z_]*(/[A-Za-z0-9_+\-]+)*$")
CATCHUP_POLICIES = ("skip", "once", "all")
ALLOWED_KEYS = frozenset(
    {
        "cron",
        "every",
        "job",
        "class",  # resque-scheduler's name for "job", accepted in dynamic configs
        "args",
        "kwargs",
        "queue",
        "timezone",
        "description",
        "enabled",
        "catchup",
        "max_catchup",
        "misfire_grace",
        "persist",  # written by resque-scheduler; ignored
    }
)


# Missed slots catchup="all" fires by default: more than an every-second entry misses while a
# follower waits out a dead leader's lease (SCHEDULER_LEASE, 10 s by default).
MAX_CATCHUP = 100


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleEntry:
    """One recurring job and, when read through schedules.entries(), its run-time state."""

    name: str
    job_name: str
    cron: str | None
    every: int | None
    queue: str | None
    args: list[Any]
    kwargs: dict[str, Any]
    description: str = ""
    timezone: str = "UTC"
    enabled: bool = True
    catchup: str = "once"
    max_catchup: int = MAX_CATCHUP
    misfire_grace: float | None = None
    dynamic: bool = False
    paused: bool = False
    next_run_at: datetime | None = None
    last_run_at: datetime | None = None

    @property
    def timing(self) -> Timing:
        """When this entry fires."""
        return Timing(cron=self.cron, every=self.every, timezone=self.timezone)

    def config(self) -> dict[str, Any]:
        """Return the JSON config stored for a dynamic entry (resque-scheduler's keys first)."""
        cfg: dict[str, Any] = {"class": self.job_name}
        if self.cron is not None:
            cfg["cron"] = self.cron
        else:
            cfg["every"] = f"{self.every}s"
        cfg.update(args=self.args, queue=self.queue, description=self.description, persist=True)
        cfg.update(kwargs=self.kwargs, timezone=self.timezone, enabled=self.enabled)
        cfg.update(catchup=self.catchup, max_catchup=self.max_catchup)
        if self.misfire_grace is not None:
            cfg["misfire_grace"] = self.misfire_grace
        return cfg


def parse(name: str, cfg: Any, *, dynamic: bool = False) -> ScheduleEntry:
    """Build an entry from a config dict; raise ValueError with a sentence saying what to fix."""
    if not isinstance(name, str) or not name or any(c in name for c in " \n"):
        raise ValueError(f"Schedule name {name!r} must be non-empty text without spaces.")
    if not isinstance(cfg, dict):
        raise ValueError(f"Schedule {name!r} must be a dict, not {type(cfg).__name__}.")
    unknown = sorted(set(cfg) - ALLOWED_KEYS)
    if unknown:
        raise ValueError(
            f"Schedule {name!r} has unknown keys {unknown}; known: {sorted(ALLOWED_KEYS)}."
        )
    try:
        return _build(name, cfg, dynamic=dynamic)
    except ValueError as exc:
        raise ValueError(f"Schedule {name!r}: {exc}") from exc


def _build(name: str, cfg: dict[str, Any], *, dynamic: bool) -> ScheduleEntry:
    cron, every, zone = cfg.get("cron"), cfg.get("every"), cfg.get("timezone")
    if cron is not None and not isinstance(cron, str):
        raise ValueError(f"'cron' must be text, not {cron!r}.")
    if cron is not None and zone is None:
        cron, zone = _split_zone(cron)
    entry = ScheduleEntry(
        name=name,
        job_name=_job_name(cfg),
        cron=cron,
        every=None if every is None or cron is not None else parse_every(every),
        queue=_queue(cfg.get("queue")),
        args=_args(cfg.get("args", [])),
        kwargs=_kwargs(cfg.get("kwargs", {})),
        description=str(cfg.get("description") or ""),
        timezone=_zone(zone),
        enabled=_bool(cfg.get("enabled", True), "enabled"),
        catchup=_catchup(cfg.get("catchup", "once")),
        max_catchup=_positive_int(cfg.get("max_catchup", MAX_CATCHUP), "max_catchup"),
        misfire_grace=_grace(cfg.get("misfire_grace")),
        dynamic=dynamic,
    )
    entry.timing  # noqa: B018  (validates cron, every and timezone together)
    return entry


def _split_zone(cron: str) -> tuple[str, str | None]:
    """Split rufus-scheduler's "0 3 * * * Europe/Berlin" (resque-scheduler configs) in two."""
    fields = cron.split()
    if len(fields) >= 6 and _ZONE.match(fields[-1]):
        return " ".join(fields[:-1]), fields[-1]
    return cron, None


def _job_name(cfg: dict[str, Any]) -> str:
    from django_resque.jobs.registry import is_job_name

    name = cfg.get("job", cfg.get("class"))
    if not is_job_name(name):
        raise ValueError(f"'job' must name a registered @job (a dotted path), got {name!r}.")
    return name


def _queue(value: Any) -> str | None:
    from django_resque.exceptions import InvalidJob
    from django_resque.jobs.registry import validate_queue_name

    if value is None:
        return None
    try:
        return validate_queue_name(value)
    except InvalidJob as exc:
        raise ValueError(str(exc)) from exc


def _args(value: Any) -> list[Any]:
    from django_resque.jobs.payload import to_json_args

    args = list(value) if isinstance(value, list | tuple) else [value]  # Ruby: a lone arg
    try:
        return to_json_args(args, {})[0]
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


def _kwargs(value: Any) -> dict[str, Any]:
    from django_resque.jobs.payload import to_json_args

    if not isinstance(value, dict):
        raise ValueError(f"'kwargs' must be a dict, not {value!r}.")
    try:
        return to_json_args([], value)[1]
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


def _zone(value: Any) -> str:
    if value is None:
        return getattr(settings, "TIME_ZONE", None) or "UTC"
    if not isinstance(value, str):
        raise ValueError(f"'timezone' must be an IANA zone name, not {value!r}.")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} must be True or False, not {value!r}.")
    return value


def _catchup(value: Any) -> str:
    if value not in CATCHUP_POLICIES:
        raise ValueError(f"'catchup' must be one of {', '.join(CATCHUP_POLICIES)}, not {value!r}.")
    return str(value)


def _positive_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{key!r} must be a whole number >= 1, not {value!r}.")
    return value


def _grace(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"'misfire_grace' must be seconds >= 0, not {value!r}.")
    return float(value)
