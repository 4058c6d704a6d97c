"""django.tasks on Resque workers: the task registry, enqueueing a task, and running it.

A task travels as an ordinary Resque payload of the registered job `django_resque.run_task`:
`{"class":"django_resque.run_task","args":[<result id>,<task module path>,...task args],
"kwargs":{...},"id":<result id>}`. The worker resolves the module path ONLY through the registry
of Task objects that ResqueBackend validated in this process (tasks modules are autodiscovered
at start-up); nothing a payload names is imported.
"""

from __future__ import annotations

import os
import socket
import traceback
from datetime import datetime
from functools import partial
from typing import Any

from django.utils.crypto import get_random_string

from django_resque import dispatch, task_results
from django_resque.exceptions import UnknownJob
from django_resque.jobs import job
from django_resque.payload import Payload, to_json_args
from django_resque.tasks_compat import (
    Task,
    TaskContext,
    TaskError,
    TaskResult,
    TaskResultStatus,
    normalize_json,
    task_finished,
    task_started,
)

RUN_TASK_JOB = "django_resque.run_task"

_tasks: dict[str, Task] = {}
_STATUSES = {
    "queued": TaskResultStatus.READY,
    "scheduled": TaskResultStatus.READY,
    "retrying": TaskResultStatus.READY,
    "running": TaskResultStatus.RUNNING,
    "succeeded": TaskResultStatus.SUCCESSFUL,
    "failed": TaskResultStatus.FAILED,
}


def register(task: Task) -> None:
    """Remember a validated Task by module path; the first definition wins (.using() copies)."""
    _tasks.setdefault(task.module_path, task)


def get_task(module_path: str) -> Task | None:
    """Return the registered Task for a module path, or None; never imports anything."""
    return _tasks.get(module_path)


# --- enqueue ------------------------------------------------------------------------------
def enqueue(
    task: Task, args: Any, kwargs: Any, *, alias: str, on_commit: bool | None
) -> TaskResult:
    """Store a task call for the workers (now, at commit, or at run_after); return its result."""
    register(task)
    result_id = get_random_string(32)
    normal_args: Any = normalize_json(list(args))
    normal_kwargs: Any = normalize_json(dict(kwargs))
    json_args, json_kwargs = to_json_args(normal_args, normal_kwargs)
    payload = Payload(RUN_TASK_JOB, [result_id, task.module_path, *json_args], json_kwargs)
    payload = Payload(payload.job_name, payload.args, payload.kwargs, id=result_id)
    fields = {
        "status": "scheduled" if task.run_after else "queued",
        "job": task.module_path,
        "queue": task.queue_name,
        "enqueued_at": task_results.now_iso(),
        "task_path": task.module_path,
        "task_args": json_args,
        "task_kwargs": json_kwargs,
        "task_backend": alias,
    }
    action = partial(_submit, result_id, fields, payload, task.queue_name, task)
    dispatch.run(action, on_commit=on_commit, database=None, what=f"task={task.module_path}")
    return build_result(task, result_id, {**fields, "attempts": 0}, alias)


def _submit(
    result_id: str, fields: dict[str, Any], payload: Payload, queue: str, task: Task
) -> None:
    task_results.create(result_id, fields)
    if task.run_after is not None:
        dispatch.push_at(task.run_after, payload, queue)
    else:
        dispatch.push(queue, payload.encode(), task.priority)


# --- results ------------------------------------------------------------------------------
def load_result(result_id: str, alias: str) -> TaskResult | None:
    """Rebuild a TaskResult from its hash; None if unknown, expired or of an unknown task."""
    record = task_results.read(result_id)
    task = get_task(record.get("task_path", "")) if record else None
    if record is None or task is None:
        return None
    return build_result(task, result_id, record, record.get("task_backend", alias))


def build_result(task: Task, result_id: str, record: dict[str, Any], alias: str) -> TaskResult:
    """Map the stored fields onto django.tasks' TaskResult."""
    result: TaskResult = TaskResult(
        task=task,
        id=result_id,
        status=_STATUSES.get(record.get("status", ""), TaskResultStatus.READY),
        enqueued_at=_time(record.get("enqueued_at")),
        started_at=_time(record.get("started_at")),
        finished_at=_time(record.get("finished_at")),
        last_attempted_at=_time(record.get("last_attempted_at")),
        args=record.get("task_args", []),
        kwargs=record.get("task_kwargs", {}),
        backend=alias,
        errors=[
            TaskError(exception_class_path=e["exception"], traceback="".join(e["backtrace"]))
            for e in record.get("errors", [])
        ],
        worker_ids=list(record.get("worker_ids", [])),
    )
    object.__setattr__(result, "_return_value", record.get("result"))
    return result


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- the worker side ----------------------------------------------------------------------
@job(name=RUN_TASK_JOB)
def run_task(result_id: str, module_path: str, /, *args: Any, **kwargs: Any) -> Any:
    """Run one registered task, recording its attempt and outcome and sending the signals."""
    task = get_task(module_path)
    if task is None:
        raise UnknownJob(
            f"No django.tasks Task {module_path!r} is registered with ResqueBackend in this "
            "worker; put it in an app's tasks.py (autodiscovered) and deploy, then retry."
        )
    alias = task.backend
    sender = type(task.get_backend())
    record = task_results.start(result_id, worker_id())
    result = build_result(task, result_id, record, alias)
    task_started.send(sender=sender, task_result=result)
    try:
        value = normalize_json(_call(task, result, list(args), kwargs))
    except BaseException as exc:  # noqa: BLE001  (recorded, then re-raised to perform())
        error = {
            "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "error": str(exc),
            "backtrace": traceback.format_exception(exc),
        }
        failed = build_result(task, result_id, task_results.finish(result_id, error=error), alias)
        task_finished.send(sender=sender, task_result=failed)
        raise
    done = build_result(task, result_id, task_results.finish(result_id, value=value), alias)
    task_finished.send(sender=sender, task_result=done)
    return value


def _call(task: Task, result: TaskResult, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if task.takes_context:
        return task.call(TaskContext(task_result=result), *args, **kwargs)
    return task.call(*args, **kwargs)  # coroutines run through async_to_sync


def worker_id() -> str:
    """Return `host:pid` of the process running the task (the worker, or its forked child)."""
    return f"{socket.gethostname()}:{os.getpid()}"
