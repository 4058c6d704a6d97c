"""Run the example project: Redis, migrations, demo data, worker, scheduler and the dev server."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from private_redis import RedisServer

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "example_project"
VAR = PROJECT / "var"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="port of the dev server")
    parser.add_argument("--for-seconds", type=float, help="stop by itself after this long")
    options = parser.parse_args()

    VAR.mkdir(exist_ok=True)
    redis = RedisServer(appendonly=True, directory=str(VAR)).start()
    env = {**os.environ, "REDIS_URL": redis.url, "PYTHONUNBUFFERED": "1"}
    children: list[subprocess.Popen[bytes]] = []
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "demo_seed")
        children.append(start(env, "resque_work", "--queues", "critical,default,low", "-v", "2"))
        # A second worker for long exports, so the admin shows one busy while jobs wait.
        children.append(start(env, "resque_work", "--queues", "exports", "-v", "1"))
        if has_command(env, "resque_scheduler"):
            children.append(start(env, "resque_scheduler", "-v", "2"))
        children.append(start(env, "runserver", f"127.0.0.1:{options.port}", "--noreload"))
        announce(redis.url, options.port)
        wait(children, options.for_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            stop(child)
        redis.stop()
        print("stopped the worker, scheduler, web server and Redis", flush=True)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=PROJECT, env=env)


def has_command(env: dict[str, str], name: str) -> bool:
    result = subprocess.run(
        [sys.executable, "manage.py", "help", name], cwd=PROJECT, env=env, capture_output=True
    )
    return result.returncode == 0


def announce(redis_url: str, port: int) -> None:
    print(
        f"""
==============================================================================
 django-resque example project is running
   site:   http://127.0.0.1:{port}/
   admin:  http://127.0.0.1:{port}/admin/     login: demo / demo
   Redis:  {redis_url}  (private, data in example_project/var/)
 Worker log lines ("event=got", "event=done", "event=failed") appear below.
 Press Ctrl-C to stop everything.
==============================================================================
""",
        flush=True,
    )


def wait(children: list[subprocess.Popen[bytes]], seconds: float | None) -> None:
    deadline = None if seconds is None else time.monotonic() + seconds
    while deadline is None or time.monotonic() < deadline:
        for child in children:
            if child.poll() is not None:
                print(f"a process ended (exit {child.returncode}): {child.args}", flush=True)
                return
        time.sleep(0.5)


def stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    main()
