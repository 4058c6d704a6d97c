"""System checks for the scheduler's settings, django_resque.E040-E049 and W040-W049."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning, register

from django_resque.conf import get_config
from django_resque.jobs.registry import get_job
from django_resque.scheduler.entry import parse


@register()
def check_scheduler(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report schedule entries and scheduler settings that would not fire as meant."""
    config = get_config()
    return _check_timing(config) + _check_schedule(config["SCHEDULE"])


def _check_schedule(schedule: Any) -> list[CheckMessage]:
    if schedule is None:
        return []
    if not isinstance(schedule, dict):
        return [
            Error(
                "RESQUE['SCHEDULE'] must be a dict of schedule name -> entry.",
                hint="{'nightly-report': {'cron': '0 3 * * *', 'job': 'reports.jobs.nightly'}}",
                id="django_resque.E040",
            )
        ]
    messages: list[CheckMessage] = []
    for name, cfg in schedule.items():
        try:
            entry = parse(name, cfg)
        except ValueError as exc:
            messages.append(
                Error(
                    str(exc),
                    hint="See docs/scheduler.md for the keys of a schedule entry.",
                    id="django_resque.E041",
                )
            )
            continue
        if get_job(entry.job_name) is None:
            messages.append(
                Warning(
                    f"Schedule {name!r} names the job {entry.job_name!r}, which no @job in this "
                    "project registers.",
                    hint="Check the spelling, or ignore this if a worker in another language "
                    "serves that name.",
                    id="django_resque.W042",
                )
            )
    return messages


_NUMBERS = ("SCHEDULER_INTERVAL", "SCHEDULER_LEASE", "DELAYED_BATCH_SIZE")


def _positive(value: Any, *, whole: bool) -> bool:
    kinds = int if whole else int | float
    return not isinstance(value, bool) and isinstance(value, kinds) and value > 0


def _check_timing(config: dict[str, Any]) -> list[CheckMessage]:
    bad = [key for key in _NUMBERS if not _positive(config[key], whole=key == "DELAYED_BATCH_SIZE")]
    if bad:
        return [
            Error(
                f"RESQUE[{key!r}] is {config[key]!r}; it must be a positive number"
                + (" (a whole one)." if key == "DELAYED_BATCH_SIZE" else "."),
                id="django_resque.E043",
            )
            for key in bad
        ]
    interval, lease = config["SCHEDULER_INTERVAL"], config["SCHEDULER_LEASE"]
    if interval >= lease:
        return [
            Error(
                "RESQUE['SCHEDULER_INTERVAL'] must be less than RESQUE['SCHEDULER_LEASE'].",
                hint="The leader renews its lease once a pass; a longer pass loses the lease.",
                id="django_resque.E044",
            )
        ]
    if lease < 3 * interval:
        return [
            Warning(
                "RESQUE['SCHEDULER_LEASE'] is less than three scheduler passes.",
                hint="One slow pass would hand leadership over; make the lease at least "
                "3 x SCHEDULER_INTERVAL.",
                id="django_resque.W045",
            )
        ]
    return []
