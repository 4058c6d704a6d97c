"""Helpers for tests that run real processes, or the real worker inside the test process."""

from __future__ import annotations

import gc
import io
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from redis.backoff import NoBackoff
from redis.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from private_redis import RedisServer  # noqa: E402

# For the tests' own clients on Redis nodes a test kills or freezes: one try, where redis-py's
# default retries with backoff would spend seconds on each call.
ONE_TRY = Retry(NoBackoff(), 0)

__all__ = [
    "ONE_TRY",
    "ROOT",
    "RedisServer",
    "call_here",
    "manage",
    "run_command",
    "run_burst_worker",
    "sampling",
    "wait_until",
    "worker_env",
]


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    env.update(extra)  # PYTHONPATH too: a test may put a sitecustomize first (tests/clock_skew)
    return env


def manage(*args: str, **extra_env: str) -> list[str]:
    return [sys.executable, "-m", "django", *args]


def run_command(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a manage.py command to completion and return its output."""
    return subprocess.run(
        manage(*args),
        env=worker_env(**(env or {})),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_until(
    condition: Callable[[], object], timeout: float = 20.0, interval: float = 0.02
) -> object:
    """Poll until condition() is truthy; fail the test with a clear message after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s: {condition}")


@contextmanager
def sampling(sample: Callable[[], object], interval: float = 0.005) -> Iterator[list[Any]]:
    """Call `sample` in a thread every `interval` s while the block runs; yield what it returns.

    A test watches a worker in this process (work_here) with it, as it would watch a worker
    process from outside: the list holds every value seen, in order, and an exception `sample`
    raised is raised when the block ends.
    """
    seen: list[Any] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        while True:
            try:
                seen.append(sample())
            except BaseException as exc:  # raised again in the test's thread
                errors.append(exc)
                return
            if done.wait(interval):
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        done.set()
        thread.join(30)
    if errors:
        raise errors[0]


def process_title(pid: int) -> str:
    """A process's title as `ps` shows it; "" once it has exited (children come and go)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def run_burst_worker(
    *queues: str,
    fork: bool = True,
    until: Callable[[], object] | None = None,
    timeout: float = 60.0,
    **resque: Any,
) -> str:
    """Run the real Worker in this process, as `resque_work --burst` builds it.

    `queues` default to RESQUE["QUEUES"], `fork=False` is --no-fork, and `resque` overrides
    RESQUE settings for this worker only. With `until`, the worker runs without --burst (an
    idle one waits for work and promotes due retries) until `until()` is true, then stops as
    QUIT stops it; the test fails if that takes over `timeout` seconds. Returns what the worker
    logged at INFO (--verbosity 2), forked children's lines included. Tests call it through the
    work_here fixture, which gives it the database access a worker process has.
    """
    from django.conf import settings
    from django.test import override_settings

    from django_resque.conf import get_config
    from django_resque.worker.loop import Worker

    with (
        override_settings(RESQUE={**settings.RESQUE, **resque}),
        _worker_owns_this_process(),
        _worker_log() as log,
    ):
        config = get_config()
        worker = Worker(
            list(queues) or list(config["QUEUES"]),
            fork=config["FORK_PER_JOB"] and fork,
            interval=config["POLL_INTERVAL"],
            burst=until is None,
        )
        if until is None:
            worker.work()
        else:
            with _quit_when(worker, until, timeout) as met:
                worker.work()
            assert met, f"condition not met within {timeout} s: {until}"
        log.seek(0)
        return log.read()


@contextmanager
def _quit_when(
    worker: Any, condition: Callable[[], object], timeout: float
) -> Iterator[list[bool]]:
    """Poll condition() in a thread; once it is true (or after `timeout`), ask `worker` to QUIT.

    Yields a list that holds True once the condition was met.
    """
    met: list[bool] = []
    done = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + timeout
        try:
            while not done.is_set() and time.monotonic() < deadline:
                if condition():
                    met.append(True)
                    return
                done.wait(0.02)
        finally:
            worker.signals.quit = True  # what the worker's QUIT handler records

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield met
    finally:
        done.set()
        thread.join(30)


def call_here(name: str, *args: str) -> tuple[str, str]:
    """Run a management command in this process; return what it wrote to stdout and stderr.

    A command that runs a worker gets this process as run_burst_worker lends it, and the
    django_resque logger's level and handlers, which the worker commands set from --verbosity,
    are put back. Errors are raised (CommandError) rather than turned into an exit status.
    """
    from django.core.management import call_command

    logger = logging.getLogger("django_resque")
    level, handlers = logger.level, logger.handlers[:]
    out, err = io.StringIO(), io.StringIO()
    try:
        with _worker_owns_this_process():
            call_command(name, *args, stdout=out, stderr=err)
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers
    return out.getvalue(), err.getvalue()


@contextmanager
def _worker_owns_this_process() -> Iterator[None]:
    """Lend this process to a worker as a fresh worker process would be, then take it back.

    A worker installs its signal handlers, sets the process title, freezes the heap for its
    forks, takes over database connections between jobs, keeps a Redis connection for its
    children and promotes retries at most once a second per process. Each starts here as in a
    new process and is put back as the test process had it afterwards. This process runs
    threads of its own (an earlier --no-fork worker's heartbeat keeper, a test's MONITOR
    reader), so Python's warning about forking a multi-threaded process is not about the worker.
    """
    from setproctitle import getproctitle, setproctitle

    from django_resque.failures import retries
    from django_resque.worker import db_connections, fork
    from django_resque.worker.os_signals import HANDLED

    handlers = {signum: signal.getsignal(signum) for signum in HANDLED}
    title, frozen = getproctitle(), gc.get_freeze_count()
    managed, promoted = db_connections._manage_connections, retries._last_promotion
    retries._last_promotion = 0.0
    fork.child_redis.discard()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "This process .* is multi-threaded")
            yield
    finally:
        fork.child_redis.discard()
        retries._last_promotion, db_connections._manage_connections = promoted, managed
        if not frozen:
            gc.unfreeze()
        setproctitle(title)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


@contextmanager
def _worker_log() -> Iterator[Any]:
    """Collect django_resque's INFO lines in a file this process and its children append to."""
    logger = logging.getLogger("django_resque")
    with tempfile.TemporaryFile("w+") as log:
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        level = logger.level
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        try:
            yield log
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
