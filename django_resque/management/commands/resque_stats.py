"""manage.py resque_stats: queues, workers, totals, failures, delayed jobs and schedules."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import redis
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_resque.management import stats_render
from django_resque.management.commands.resque_work import _configure_logging, _verbosity
from django_resque.metrics import snapshot
from django_resque.scheduler import schedules
from django_resque.storage import connection

CLEAR = "\x1b[H\x1b[2J"  # cursor home, clear the screen: each --watch frame replaces the last


class Command(BaseCommand):
    help = (
        "Show queues (size, latency, paused), workers, totals, failures, delayed jobs and "
        "schedules in a table; --json for scripts, --watch SECONDS to redraw until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON document instead of tables."
        )
        parser.add_argument(
            "--watch",
            metavar="SECONDS",
            help="Redraw every SECONDS seconds until Ctrl-C (with --json: one document a line).",
        )
        parser.add_argument(
            "--queues", metavar="A,B", help="Show only these queues (comma-separated names)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = _interval(options["watch"])
        only = _queue_names(options["queues"])
        _configure_logging(_verbosity(options["verbosity"]))
        try:
            if every is None:
                self.stdout.write(self.frame(only, as_json=options["json"], compact=False))
                return
            while True:
                frame = self.frame(only, as_json=options["json"], compact=True)
                self.stdout.write(frame if options["json"] else CLEAR + frame)
                self.stdout.flush()
                time.sleep(every)
        except KeyboardInterrupt:  # Ctrl-C ends --watch; that is how it is meant to end
            return

    @staticmethod
    def frame(only: list[str] | None, *, as_json: bool, compact: bool) -> str:
        """Read one snapshot and render it as text or JSON."""
        where = connection.describe()
        try:
            snap = snapshot.take(only)
            plans = stats_render.schedules_of(schedules.entries())
        except redis.RedisError as exc:
            trouble = "is unreachable" if connection.unavailable(exc) else "answered with an error"
            raise CommandError(
                f"Could not read the stats: Redis at {where} {trouble} ({exc})."
            ) from exc
        if not as_json:
            return stats_render.as_text(snap, plans, where)
        document = stats_render.as_document(snap, plans, where)
        return json.dumps(document, indent=None if compact else 2)


def _interval(value: Any) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise CommandError(f"--watch needs a number of seconds above 0, got {value!r}.")
    return seconds


def _queue_names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",")]
    if not all(names):
        raise CommandError(f"--queues needs comma-separated queue names, got {value!r}.")
    return names
