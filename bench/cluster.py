#!/usr/bin/env python
"""What RESQUE["CLUSTER"] costs: `.delay()` and a no-fork worker, on a Redis Cluster and one Redis.

Starts a private single redis-server and a private Redis Cluster of three primaries
(`tests/cluster_set.py`: loopback, free ports, joined through redis-py; no replicas, so that
neither side feeds one), then in this one process runs ROUNDS rounds, the two targets taking
turns (the order swapped every round). Each run enqueues N no-op jobs (djbench's `bench.noop`)
with `.delay()` one call at a time, then runs a `--no-fork` worker in burst mode over them.
One JSON line per run: the target, `.delay()`'s µs per call and CPU µs per call, the worker's
jobs/s, its CPU per job and the Redis server's (INFO cpu of the node that served the
namespace), then a last line of medians and the median of the per-round ratios (cluster ÷
single). Alternating inside one process keeps Django's start-up and process placement out of
the comparison.

    .venv/bin/python bench/cluster.py [N] [ROUNDS]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "scripts")]

from private_redis import RedisServer  # noqa: E402

TARGETS = ("single", "cluster")


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args else 3_000
    rounds = int(args[1]) if len(args) > 1 else 7
    from tests.cluster_set import ClusterSet

    single = RedisServer().start()
    cluster = ClusterSet(replicas=False)
    try:
        cluster.start()
        os.environ["BENCH_REDIS_URL"] = single.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djbench.settings")
        import django

        django.setup()
        urls = {"single": single.url, "cluster": cluster.url}
        for target in TARGETS:  # warm-up of both, not counted
            run(n, target, urls[target])
        results: list[dict[str, dict[str, Any]]] = []
        for index in range(rounds):
            order = TARGETS if index % 2 == 0 else TARGETS[::-1]
            results.append({t: run(n, t, urls[t], round_=index + 1) for t in order})
        print(json.dumps(summary(results)), flush=True)
    finally:
        cluster.stop()
        single.stop()


def run(n: int, target: str, url: str, *, round_: int = 0) -> dict[str, Any]:
    """Enqueue n jobs one by one, then work them off without forking; the run's figures."""
    from django.conf import settings
    from django.test import override_settings
    from djbench.jobs import noop

    from django_resque.storage.connection import get_redis
    from django_resque.worker.loop import Worker

    resque = {**settings.RESQUE, "REDIS_URL": url, "CLUSTER": target == "cluster"}
    with override_settings(RESQUE=resque):
        client = get_redis()
        client.flushall()
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            noop.delay(i)
        delay_s, delay_cpu = time.perf_counter() - started, time.process_time() - cpu
        worker = Worker(["bench"], fork=False, burst=True)
        redis_cpu = _redis_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        worker.work()
        work_s, work_cpu = time.perf_counter() - started, time.process_time() - cpu
        redis_cpu = _redis_cpu() - redis_cpu
        left = client.llen(f"{'{resque}' if target == 'cluster' else 'resque'}:queue:bench")
    assert left == 0, f"{left} jobs left on {target}"
    figures = {
        "round": round_,
        "target": target,
        "jobs": n,
        "delay_us": round(delay_s / n * 1e6, 1),
        "delay_cpu_us": round(delay_cpu / n * 1e6, 1),
        "jobs_per_s": round(n / work_s, 1),
        "worker_cpu_us": round(work_cpu / n * 1e6, 1),
        "redis_cpu_us": round(redis_cpu / n * 1e6, 1),
    }
    if round_:
        print(json.dumps(figures), flush=True)
    return figures


def summary(results: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    fields = ("delay_us", "delay_cpu_us", "jobs_per_s", "worker_cpu_us", "redis_cpu_us")
    out: dict[str, Any] = {"rounds": len(results)}
    for field in fields:
        for target in TARGETS:
            out[f"{field}_{target}"] = round(
                statistics.median(r[target][field] for r in results), 1
            )
        out[f"ratio_{field}"] = round(
            statistics.median(r["cluster"][field] / r["single"][field] for r in results), 3
        )
    return out


def _redis_cpu() -> float:
    from django_resque.storage.connection import get_redis

    info = get_redis().info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


if __name__ == "__main__":
    main()
