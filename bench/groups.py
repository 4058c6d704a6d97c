"""Grouped jobs beside the same jobs ungrouped, one worker, side by side; a group's cost in Redis.

Starts a private redis-server and, for fork mode and --no-fork, times `resque_work --burst` over
N no-op jobs (tests.jobs.add) sent with enqueue_many, alternately without and inside a
Group.create() block, and prints jobs/s (the worker's boot, timed on an empty burst, left out)
and the grouped ÷ ungrouped ratio. Then: the script calls and round trips of enqueue_many of
10,000 members in a group, and the memory a group of 100,000 pending members holds.

    .venv/bin/python bench/groups.py [N] [REPS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    from private_redis import RedisServer

    server = RedisServer().start()
    os.environ["RESQUE_TEST_REDIS_URL"] = server.url
    try:
        import django

        django.setup()
        for mode in ([], ["--no-fork"]):
            throughput(count * (5 if mode else 1), reps, mode)
        costs()
    finally:
        server.stop()


def throughput(count: int, reps: int, mode: list[str]) -> None:
    from django_resque import Group
    from django_resque.storage.connection import get_redis
    from tests import jobs

    boot = min(_burst(mode) for _ in range(2))
    rates: dict[str, list[float]] = {"ungrouped": [], "grouped": []}
    for rep in range(reps):
        for kind in sorted(rates, reverse=rep % 2 == 1):  # each goes first every other time
            get_redis().flushdb()
            calls = [(1, 2)] * count
            if kind == "grouped":
                with Group.create(name="bench") as group:
                    jobs.add.enqueue_many(calls)
            else:
                jobs.add.enqueue_many(calls)
            rates[kind].append(count / (_burst(mode) - boot))
            if kind == "grouped":
                assert group.status().finished
    grouped, ungrouped = (statistics.median(rates[k]) for k in ("grouped", "ungrouped"))
    label = " ".join(mode) or "fork"
    print(
        f"{label:10s} N={count:<6d} ungrouped {ungrouped:8.0f} jobs/s   grouped {grouped:8.0f} "
        f"jobs/s   ratio {grouped / ungrouped:.2f}   (median of {reps}; boot {boot:.2f} s left out)"
    )


def costs() -> None:
    from django_resque import Group
    from django_resque.storage.connection import get_redis
    from tests import jobs

    client = get_redis()
    client.flushdb()
    client.config_resetstat()
    with Group.create(name="bulk") as group:
        jobs.add.enqueue_many([(1, 2)] * 10_000)
    stats = client.info("commandstats")
    evalsha = stats.get("cmdstat_evalsha", {}).get("calls", 0)
    print(
        f"enqueue_many of 10,000 members in a group: {evalsha} EVALSHA calls "
        f"(1,000 payloads per call, several calls per round trip), "
        f"{group.status().total} members joined"
    )
    client.flushdb()
    with Group.create(name="big") as group:
        for _ in range(10):
            jobs.add.enqueue_many([(1, 2)] * 10_000)
    from django_resque.storage.keys import get_keys

    pending = client.memory_usage(get_keys().group_pending(group.id), samples=0)
    print(
        f"a group of 100,000 pending members: its :pending set holds {pending / 1e6:.1f} MB "
        f"({pending / 100_000:.0f} bytes per member)"
    )


def _burst(mode: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "django", "resque_work", "--burst", "-q", "default", *mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
