"""Helpers for tests that run real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from private_redis import RedisServer  # noqa: E402

__all__ = ["ROOT", "RedisServer", "manage", "run_command", "wait_until", "worker_env"]


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        **extra,
    )
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


def process_title(pid: int) -> str:
    """A process's title as `ps` shows it; "" once it has exited (children come and go)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""
