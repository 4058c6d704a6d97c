"""The soak: workers are killed at random while jobs run; every job still runs at least once.

Bounded by default (300 jobs); RESQUE_CHAOS_FULL=1 runs the full 2,000-job soak.
"""

import contextlib
import json
import os
import random
import signal
import subprocess
import time

import psutil
import pytest

from tests import jobs
from tests.helpers import ROOT, manage, wait_until, worker_env

FULL = bool(os.environ.get("RESQUE_CHAOS_FULL"))
TOTAL = 2000 if FULL else 300
FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "1.5"}


def start() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        manage("resque_work", "--queues", "default"),
        env=worker_env(**FAST),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_something(rng: random.Random, worker: subprocess.Popen[bytes]) -> None:
    """kill -9 the worker, its child, or both (the whole group), at whatever it is doing."""
    children = psutil.Process(worker.pid).children()
    what = rng.choice(["worker", "worker", "group", "child"])
    if what == "child" and children:
        _kill(children[0])
        return
    worker.kill()
    if what == "group":
        for child in children:
            _kill(child)
    worker.wait(timeout=30)


def _kill(process: psutil.Process) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):  # a finished job's child may be gone already
        process.kill()


@pytest.mark.chaos
@pytest.mark.one_leg
@pytest.mark.timeout(900 if FULL else 240)
def test_random_kills_while_jobs_run_lose_nothing(redis, ledger):
    tokens = {f"j{i}" for i in range(TOTAL)}
    for token in sorted(tokens):
        jobs.slow_record.delay(ledger, token, 0.1)
    rng = random.Random(2026)
    workers = [start() for _ in range(3)]
    ended = lambda: {row[1] for row in jobs.read_ledger(ledger) if row[0] == "end"}  # noqa: E731
    failed = lambda: {  # noqa: E731
        json.loads(r)["payload"]["args"][1] for r in redis.lrange("resque:failed", 0, -1)
    }
    kills = 0
    try:
        deadline = time.monotonic() + (600 if FULL else 150)
        while tokens - ended() - failed() and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.2, 0.8))
            if kills < (60 if FULL else 15):
                victim = rng.randrange(len(workers))
                kill_something(rng, workers[victim])
                if workers[victim].poll() is not None:
                    workers[victim] = start()
                kills += 1
        assert tokens == ended() | failed(), f"missing: {sorted(tokens - ended() - failed())[:20]}"
        # nothing stranded: dead workers are pruned and their records gone, the queue is empty
        live = {f":{w.pid}:" for w in workers}
        wait_until(
            lambda: all(
                any(p in m.decode() for p in live) for m in redis.smembers("resque:workers")
            ),
            timeout=60,
        )
        records = [k for k in redis.keys("resque:worker:*") if not k.endswith(b":started")]
        wait_until(lambda: not records or not redis.exists(*records), timeout=30)
        assert redis.llen("resque:queue:default") == 0
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    failures = [json.loads(r) for r in redis.lrange("resque:failed", 0, -1)]
    assert all("killed by signal 9" in f["error"] for f in failures)  # only the children we shot
    assert not [k for k in redis.keys("resque:worker:*") if not k.endswith(b":started")]
