#!/usr/bin/env python
"""Worker throughput with the per-job metrics on and off (RESQUE["METRICS"]).

Starts a private redis-server and Django (the djbench project), then runs ROUNDS rounds in this
one process; each round enqueues N no-op jobs (enqueue_many) and runs a worker in burst mode
over them, once with metrics on and once off, the order swapped every round. Each run prints
one JSON line: round, metrics, jobs, jobs_per_s (the worker's loop only), the CPU each job
cost the worker process (worker_cpu_us) and the Redis server (redis_cpu_us, INFO cpu), and
how many metrics keys the run wrote. The last
line is the medians and the median of the per-round ratios (on / off). Alternating inside one
process keeps Django's start-up and process placement out of the comparison; on a shared,
loaded machine the paired ratios are what to quote.
usage: python bench/metrics_overhead.py [N] [ROUNDS] [--fork]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "scripts")]

from private_redis import RedisServer  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 5_000
    rounds = int(args[1]) if len(args) > 1 else 10
    fork = "--fork" in sys.argv
    server = RedisServer().start()
    try:
        os.environ["BENCH_REDIS_URL"] = server.url
        os.environ["DJANGO_SETTINGS_MODULE"] = "djbench.settings"
        import django

        django.setup()
        run(n, fork, metrics=True)  # warm-up of both, not counted
        run(n, fork, metrics=False)
        results: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for index in range(rounds):
            order = (True, False) if index % 2 == 0 else (False, True)
            got = {on: run(n, fork, metrics=on, round_=index + 1) for on in order}
            results.append((got[True], got[False]))
        print(json.dumps(summary(results)), flush=True)
    finally:
        server.stop()


def run(n: int, fork: bool, *, metrics: bool, round_: int = 0) -> dict[str, Any]:
    """One worker over n jobs with RESQUE["METRICS"] = metrics; its figures."""
    from django.conf import settings
    from django.test import override_settings
    from djbench import jobs

    from django_resque.storage.connection import get_redis
    from django_resque.worker.loop import Worker

    with override_settings(RESQUE={**settings.RESQUE, "METRICS": metrics}):
        get_redis().flushdb()
        jobs.count.enqueue_many([(i,) for i in range(n)])
        worker = Worker(["bench"], fork=fork, burst=True)
        redis_cpu = _redis_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        worker.work()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        redis_cpu = _redis_cpu() - redis_cpu
        written = len(get_redis().keys("*:dj:metrics:*"))  # none when metrics are off
    figures = {
        "round": round_,
        "mode": "fork" if fork else "no-fork",
        "metrics": metrics,
        "jobs": n,
        "jobs_per_s": round(n / seconds, 1),
        "worker_cpu_us": round(cpu / n * 1e6, 1),
        "redis_cpu_us": round(redis_cpu / n * 1e6, 1),
        "metrics_keys": written,
    }
    if round_:
        print(json.dumps(figures), flush=True)
    return figures


def summary(results: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    def cpu(r: dict[str, Any]) -> float:
        return float(r["worker_cpu_us"] + r["redis_cpu_us"])

    return {
        "rounds": len(results),
        "jobs_per_s_on": median([on["jobs_per_s"] for on, _ in results]),
        "jobs_per_s_off": median([off["jobs_per_s"] for _, off in results]),
        "ratio_jobs_per_s": median([on["jobs_per_s"] / off["jobs_per_s"] for on, off in results]),
        "worker_cpu_us_on": median([on["worker_cpu_us"] for on, _ in results]),
        "worker_cpu_us_off": median([off["worker_cpu_us"] for _, off in results]),
        "redis_cpu_us_on": median([on["redis_cpu_us"] for on, _ in results]),
        "redis_cpu_us_off": median([off["redis_cpu_us"] for _, off in results]),
        "ratio_cpu_per_job": median([cpu(on) / cpu(off) for on, off in results]),
    }


def _redis_cpu() -> float:
    from django_resque.storage.connection import get_redis

    info = get_redis().info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


if __name__ == "__main__":
    main()
