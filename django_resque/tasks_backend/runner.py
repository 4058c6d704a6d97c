"""django.tasks on Resque workers: the task registry, enqueueing a task, and running it.

A task travels as an ordinary Resque payload of the registered job `django_resque.run_task`:
`{"class":"django_resque.run_task","args":[<result id>,<task module path>,...task args],
"kwargs":{...},"id":<result id>}`. The worker resolves the module path ONLY through the registry
of Task objects that ResqueBackend validated in this process (tasks modules are autodiscovered
at start-up); nothing a payload names is imported.
"""

from __future__ import annotations

import time
import traceback
from datetime import datetime
from functools import partial
from typing import Any

from django.utils.crypto import get_random_string

from django_resque.exceptions import EnqueueError, UnknownJob
from django_resque.jobs import dispatch
from django_resque.jobs.definition import job
from django_resque.jobs.payload import Payload, to_json_args
from django_resque.results import status
from django_resque.tasks_backend import results as task_results
from django_resque.tasks_backend.compat import (
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
    job_args = [result_id, task.module_path, *json_args]
    # queue_time (php-resque's field): when the task becomes runnable, for queue waits
    due = task.run_after.timestamp() if task.run_after is not None else time.time()
    payload = Payload(RUN_TASK_JOB, job_args, json_kwargs, id=result_id, extras={"queue_time": due})
    fields = {
        "status": "scheduled" if task.run_after else "queued",
        "job": task.module_path,
        "queue": task.queue_name,
        "enqueued_at": status.now_iso(),
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
    try:
        if task.run_after is not None:
            dispatch.push_at(task.run_after, payload, queue)
        else:
            dispatch.push(queue, payload.encode(), task.priority)
    except EnqueueError:
        task_results.discard(result_id)  # no result may claim a task that was never stored
        raise


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
        last_attempted_at=_time(record.get("started_at")),  # status keeps the latest start
        args=record.get("task_args", []),
        kwargs=record.get("task_kwargs", {}),
        backend=alias,
        errors=[_task_error(e) for e in record.get("errors") or [] if isinstance(e, dict)],
        worker_ids=list(record.get("worker_ids") or []),
    )
    object.__setattr__(result, "_return_value", record.get("result"))
    return result


def _task_error(error: dict[str, Any]) -> TaskError:
    """Map a status error onto TaskError: an importable class path and a traceback text."""
    path = str(error.get("exception", "Exception"))
    if "." not in path:
        path = f"builtins.{path}"  # Ruby's format writes builtins bare: ValueError
    lines = [str(line) for line in error.get("backtrace") or []]
    if not lines or not lines[0].startswith("Traceback"):
        lines = ["Traceback (frames as Resque records them):", *lines]
        lines.append(f"{path.removeprefix('builtins.')}: {error.get('error', '')}")
    return TaskError(exception_class_path=path, traceback="\n".join(lines))


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- the worker side ----------------------------------------------------------------------
@job(name=RUN_TASK_JOB)
def run_task(result_id: str, module_path: str, /, *args: Any, **kwargs: Any) -> Any:
    """Run one registered task and send task_started / task_finished around it.

    The status hash is kept by the worker's parent as for every job (running, attempts, worker
    ids before; result or error after), so this only reads it to build the signals' results.
    """
    task = get_task(module_path)
    if task is None:
        raise UnknownJob(
            f"No django.tasks Task {module_path!r} is registered with ResqueBackend in this "
            "worker; put it in an app's tasks.py (autodiscovered) and deploy, then retry."
        )
    alias, sender = task.backend, type(task.get_backend())
    record = task_results.read(result_id) or {"status": "running"}
    result = build_result(task, result_id, record, alias)
    task_started.send(sender=sender, task_result=result)
    try:
        value = normalize_json(_call(task, result, list(args), kwargs))
    except BaseException as exc:  # noqa: BLE001  (signalled, then re-raised to perform())
        error = {"exception": _path(type(exc)), "error": str(exc), "backtrace": _frames(exc)}
        ended = {**record, "status": "failed", "finished_at": status.now_iso()}
        ended["errors"] = [*(record.get("errors") or []), error]
        task_finished.send(sender=sender, task_result=build_result(task, result_id, ended, alias))
        raise
    ended = {**record, "status": "succeeded", "finished_at": status.now_iso(), "result": value}
    task_finished.send(sender=sender, task_result=build_result(task, result_id, ended, alias))
    return value


def _call(task: Task, result: TaskResult, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if task.takes_context:
        return task.call(TaskContext(task_result=result), *args, **kwargs)
    return task.call(*args, **kwargs)  # coroutines run through async_to_sync


def _path(kind: type[BaseException]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _frames(exc: BaseException) -> list[str]:
    return [line.rstrip("\n") for line in traceback.format_exception(exc)]
