"""django.tasks @task functions for the ResqueBackend tests (autodiscovered by workers)."""

from __future__ import annotations

import asyncio
import os

from django_resque.tasks_backend.compat import TaskContext, task
from tests.jobs import write_ledger


@task
def noop_task() -> None:
    return None


@task
def add_task(a: int, b: int, *, scale: int = 1) -> int:
    return (a + b) * scale


@task(queue_name="tasks")
def record_task(ledger: str, token: str) -> dict[str, object]:
    write_ledger(ledger, token, os.getpid())
    return {"token": token, "tuple": (1, 2)}


@task
def failing_task(message: str) -> None:
    raise ValueError(message)


@task
async def async_task(a: int) -> int:
    await asyncio.sleep(0)
    return a * 2


@task(takes_context=True)
def context_task(context: TaskContext, ledger: str) -> str:
    write_ledger(ledger, "attempt", context.attempt)
    return context.task_result.id


@task(queue_name="tasks", priority=5)
def prioritised_task(ledger: str, token: str) -> None:
    write_ledger(ledger, token)


@task(backend="any-queue", queue_name="anything-goes")
def other_backend_task() -> str:
    return "ok"


def not_a_task() -> None:
    """Module-level function that is NOT a Task; payloads naming it must never run it."""
    raise AssertionError("not a task")


# Passes Django's validation (module level) but workers could never find it by its name.
lambda_task = task(lambda: None)
