"""manage.py resque_work: run a Resque worker on the given queues."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_resque.conf import get_config
from django_resque.exceptions import InvalidJob, WorkerIdInUse
from django_resque.jobs.registry import validate_queue_name
from django_resque.worker.db_connections import thread_connection_warnings
from django_resque.worker.limits import Recycling
from django_resque.worker.loop import Worker
from django_resque.worker.supervisor import Supervisor
from django_resque.worker.threaded import MAX_THREADS, ThreadedWorker

LEVELS = {0: logging.WARNING, 1: logging.WARNING, 2: logging.INFO, 3: logging.DEBUG}


class Command(BaseCommand):
    help = "Reserve and perform jobs from the given queues, in priority order (Resque's worker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queues",
            "-q",
            help="Comma-separated queues in priority order; '*' is every queue (alphabetically), "
            "'!name' excludes. Default: the QUEUE environment variable, else RESQUE['QUEUES'].",
        )
        parser.add_argument("--burst", action="store_true", help="Exit once every queue is empty.")
        parser.add_argument(
            "--interval",
            type=float,
            help="Seconds an idle worker waits before polling again "
            "(default RESQUE['POLL_INTERVAL']).",
        )
        parser.add_argument(
            "--no-fork",
            action="store_true",
            help="Perform jobs in the worker process instead of a forked child.",
        )
        parser.add_argument(
            "--shutdown-timeout",
            type=float,
            default=10.0,
            help="Seconds a running job may still take after TERM/INT before its child is killed "
            "and the job put back on its queue (default 10).",
        )
        parser.add_argument(
            "--count", type=int, default=1, help="Run N workers under one supervisor (default 1)."
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="Perform up to N jobs at once in threads: in one forked child (reused, recycled "
            f"by --max-jobs/--max-memory), or with --no-fork in the worker (default 1, "
            f"at most {MAX_THREADS}).",
        )
        parser.add_argument(
            "--max-jobs",
            type=int,
            help="Exit (to be replaced) after a random number of jobs between N and 2N.",
        )
        parser.add_argument(
            "--max-memory", type=int, help="Exit (to be replaced) once the worker's RSS is over MB."
        )
        parser.add_argument(
            "--max-child-memory",
            type=int,
            help="Cap each forked child's address space at MB (RLIMIT_AS): MemoryError beyond.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        _configure_logging(_verbosity(options["verbosity"]))
        config = get_config()
        interval = config["POLL_INTERVAL"] if options["interval"] is None else options["interval"]
        if not 0 < interval < config["SOCKET_TIMEOUT"]:
            raise CommandError(
                f"--interval must be more than 0 and less than RESQUE['SOCKET_TIMEOUT'] "
                f"({config['SOCKET_TIMEOUT']}), got {interval}."
            )
        _check_limits(options)
        worker_queues = _queues(options["queues"])

        threads = options["threads"]
        for warning in thread_connection_warnings(threads, options["count"]) if threads > 1 else []:
            self.stderr.write(self.style.WARNING(f"{warning}\n\tHINT: {warning.hint}"))

        def run_worker() -> None:
            common: dict[str, Any] = {
                "fork": config["FORK_PER_JOB"] and not options["no_fork"],
                "interval": interval,
                "burst": options["burst"],
                "shutdown_timeout": options["shutdown_timeout"],
                "recycling": Recycling(options["max_jobs"], options["max_memory"]),
                "max_child_memory": options["max_child_memory"],
            }
            if threads > 1:
                ThreadedWorker(worker_queues, threads=threads, **common).work()
            else:
                Worker(worker_queues, **common).work()

        if options["count"] == 1:
            try:
                run_worker()
            except WorkerIdInUse as exc:
                raise CommandError(str(exc)) from exc
        else:
            title = f"for {','.join(worker_queues)}"
            Supervisor(options["count"], run_worker, burst=options["burst"], title=title).run()


def _check_limits(options: dict[str, Any]) -> None:
    if options["shutdown_timeout"] < 0:
        raise CommandError(
            f"--shutdown-timeout must be 0 or more, got {options['shutdown_timeout']}."
        )
    if not 1 <= options["threads"] <= MAX_THREADS:
        raise CommandError(
            f"--threads must be a whole number from 1 to {MAX_THREADS}, got {options['threads']}."
        )
    for name in ("count", "max_jobs", "max_memory", "max_child_memory"):
        value = options[name]
        if value is not None and value < 1:
            flag = "--" + name.replace("_", "-")
            raise CommandError(f"{flag} must be a positive integer, got {value}.")


def _queues(option: str | None) -> list[str]:
    """Return the queues from --queues, else QUEUES/QUEUE, else RESQUE["QUEUES"].

    A source that is given but empty (`--queues ''`, `QUEUE=`) is an error like `--queues ,,,`,
    not a silent fall back to the next source.
    """
    source, text = _queue_source(option)
    if source is None:
        return list(get_config()["QUEUES"])
    names = [q.strip() for q in text.split(",")]
    if any(not n for n in names):
        raise CommandError(f"{source} needs comma-separated queue names, got {text!r}.")
    for name in names:
        pattern = name.removeprefix("!")
        if any(c in pattern for c in "*?[]{}"):
            continue
        try:
            validate_queue_name(pattern)
        except InvalidJob as exc:
            raise CommandError(str(exc)) from exc
    return names


def _queue_source(option: str | None) -> tuple[str | None, str]:
    if option is not None:
        return "--queues", option
    for variable in ("QUEUES", "QUEUE"):
        if variable in os.environ:
            return f"The {variable} environment variable", os.environ[variable]
    return None, ""


def _verbosity(option: int) -> int:
    if os.environ.get("VVERBOSE"):
        return 3
    if os.environ.get("VERBOSE"):
        return max(option, 2)
    return option


def _configure_logging(verbosity: int) -> None:
    """Show our log lines on stderr at the level --verbosity asks for, unless logging is set up."""
    logger = logging.getLogger("django_resque")
    logger.setLevel(LEVELS.get(verbosity, logging.DEBUG))
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
