"""System checks of the registered jobs against the worker settings: W011 and W024.

Both can only be known from settings: a worker started with `--queues` or `--no-fork` decides
for itself, and says so in its start-up log (worker/loop.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning, register

from django_resque.conf import get_config
from django_resque.jobs.registry import registered_jobs
from django_resque.queues.lists import served_by


@register()
def check_job_queues(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn about @job queues that workers started without --queues never listen to."""
    config = get_config()
    patterns, default = config["QUEUES"], config["DEFAULT_QUEUE"]
    if not isinstance(patterns, list | tuple) or not isinstance(default, str):
        return []  # E006 reports the settings themselves
    unserved: dict[str, list[str]] = {}
    for name, definition in sorted(registered_jobs().items()):
        queue = definition.queue or default
        if not served_by(queue, list(patterns)):
            unserved.setdefault(queue, []).append(name)
    return [
        Warning(
            f"The queue {queue!r} of {_jobs(names)} is not in RESQUE['QUEUES'] {list(patterns)}, "
            "so `manage.py resque_work` without --queues never takes its jobs.",
            hint="Add it to RESQUE['QUEUES'], or start a worker with --queues that names it.",
            id="django_resque.W011",
        )
        for queue, names in unserved.items()
    ]


@register()
def check_job_timeouts(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn when jobs have time limits that workers performing in-process cannot enforce."""
    config = get_config()
    if config["FORK_PER_JOB"] is not False:
        return []
    limited = sorted(name for name, d in registered_jobs().items() if d.timeout is not None)
    if config["JOB_TIMEOUT"] is not None:
        limited = ["every job (RESQUE['JOB_TIMEOUT'])"]
    if not limited:
        return []
    return [
        Warning(
            f"RESQUE['FORK_PER_JOB'] is False, so the time limit of {_jobs(limited)} is not "
            "enforced: a job performed in the worker process has no child to kill.",
            hint="Keep FORK_PER_JOB True for jobs that need a time limit, or give those jobs "
            "their own forking workers (manage.py resque_work --queues ...).",
            id="django_resque.W024",
        )
    ]


def _jobs(names: list[str]) -> str:
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return shown
