"""ResqueBackend: Django's Tasks framework (`django.tasks`, or the django-tasks backport on
Django 5.2) running on Resque workers.

    TASKS = {"default": {"BACKEND": "django_resque.backends.ResqueBackend",
                         "QUEUES": ["default"],                 # [] allows any queue name
                         "OPTIONS": {"ENQUEUE_ON_COMMIT": None}}}  # None: RESQUE's setting

A thin edge: validation is the framework's plus ours, and every Redis operation lives in
runner.py / results.py.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.checks import CheckMessage, Error

from django_resque.exceptions import InvalidJob
from django_resque.jobs.registry import validate_queue_name
from django_resque.tasks_backend import runner as task_runner
from django_resque.tasks_backend.compat import (
    BaseTaskBackend,
    InvalidTask,
    Task,
    TaskResult,
    TaskResultDoesNotExist,
    task_enqueued,
)


class ResqueBackend(BaseTaskBackend):
    """Stores tasks as Resque payloads that `manage.py resque_work` performs."""

    supports_defer = True
    supports_priority = True
    supports_get_result = True
    supports_async_task = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)  # no network I/O: backends are built at import time
        self.on_commit: bool | None = self.options.get("ENQUEUE_ON_COMMIT")

    def validate_task(self, task: Task) -> None:
        """Check the task as Django does, then that workers can find it and its queue is valid."""
        super().validate_task(task)
        try:
            validate_queue_name(task.queue_name)
        except InvalidJob as exc:
            raise InvalidTask(str(exc)) from exc
        task_runner.register(task)

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        """Send the task to the workers (after commit inside a transaction) and say so."""
        self.validate_task(task)
        _check_findable(task)
        result = task_runner.enqueue(task, args, kwargs, alias=self.alias, on_commit=self.on_commit)
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        """Return the stored result; raise TaskResultDoesNotExist if unknown or expired."""
        result = task_runner.load_result(result_id, self.alias)
        if result is None:
            raise TaskResultDoesNotExist(result_id)
        return result

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        """Report OPTIONS this backend does not understand."""
        unknown = sorted(set(self.options) - {"ENQUEUE_ON_COMMIT"})
        messages: list[CheckMessage] = (
            [
                Error(
                    f"TASKS[{self.alias!r}]['OPTIONS'] has unknown keys {unknown}.",
                    hint="ResqueBackend understands only ENQUEUE_ON_COMMIT (True, False or None).",
                    id="django_resque.E060",
                )
            ]
            if unknown
            else []
        )
        if self.on_commit not in (None, True, False):
            messages.append(
                Error(
                    f"TASKS[{self.alias!r}]['OPTIONS']['ENQUEUE_ON_COMMIT'] must be True, False "
                    "or None.",
                    id="django_resque.E061",
                )
            )
        return messages


def _check_findable(task: Task) -> None:
    """Refuse a task its module does not hold under its name (a lambda, a rebound function):
    workers find tasks by that name, so it would never run."""
    module = sys.modules.get(task.func.__module__)
    held = getattr(module, task.func.__name__, None)
    if held is not task.func and getattr(held, "func", None) is not task.func:
        raise InvalidTask(
            f"{task.module_path} is not found under that name in its module (a lambda or a "
            "rebound function?); define the task with def at module level."
        )
