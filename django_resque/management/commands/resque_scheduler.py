"""manage.py resque_scheduler: promote delayed jobs and fire recurring schedules."""

from __future__ import annotations

from typing import Any

import redis
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_resque.conf import get_config
from django_resque.management.commands.resque_work import _configure_logging, _verbosity
from django_resque.scheduler import schedules
from django_resque.scheduler.loop import Scheduler
from django_resque.storage import connection


class Command(BaseCommand):
    help = (
        "Run the scheduler (resque-scheduler): promote due delayed jobs and fire the schedules "
        "of RESQUE['SCHEDULE'] and dynamic ones. Run as many as you like; one leads at a time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            help="Seconds between passes (default RESQUE['SCHEDULER_INTERVAL']).",
        )
        parser.add_argument(
            "--list", action="store_true", help="Print every schedule with its next run and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            try:
                self.stdout.write(_listing())
            except redis.RedisError as exc:
                raise CommandError(
                    f"Could not read the schedules: Redis at {connection.describe()} is "
                    f"unreachable ({exc})."
                ) from exc
            return
        _configure_logging(_verbosity(options["verbosity"]))
        config = get_config()
        interval = (
            config["SCHEDULER_INTERVAL"] if options["interval"] is None else options["interval"]
        )
        lease = config["SCHEDULER_LEASE"]
        if not 0 < interval < lease:
            raise CommandError(
                f"--interval must be more than 0 and less than RESQUE['SCHEDULER_LEASE'] "
                f"({lease}), got {interval}; a leader renews its lease once a pass."
            )
        Scheduler(interval=interval, lease_seconds=lease).run()


def _listing() -> str:
    rows = [("NAME", "WHEN", "JOB", "QUEUE", "NEXT RUN (UTC)", "LAST RUN", "STATE")]
    for e in schedules.entries():
        when = e.cron if e.cron is not None else f"every {e.every}s"
        state = "disabled" if not e.enabled else "paused" if e.paused else "active"
        state += " dynamic" if e.dynamic else ""
        rows.append(
            (
                e.name,
                f"{when} ({e.timezone})" if e.cron else when,
                e.job_name,
                e.queue or "-",
                e.next_run_at.isoformat() if e.next_run_at else "-",
                e.last_run_at.isoformat() if e.last_run_at else "never",
                state,
            )
        )
    if len(rows) == 1:
        return "No schedules: add some to RESQUE['SCHEDULE'] or with schedules.set()."
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
