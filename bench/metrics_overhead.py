#!/usr/bin/env python
"""Worker throughput with the per-job metrics on or off (RESQUE["METRICS"], via BENCH_METRICS).

Starts a private redis-server, enqueues N no-op jobs (enqueue_many), runs one worker in burst
mode over them in this process, and prints one JSON line: mode, metrics, jobs, seconds,
jobs_per_s (the worker's loop only: Django set-up and the enqueue are left out), and the CPU
each job cost the worker process (worker_cpu_us) and the Redis server (redis_cpu_us, from INFO
cpu). One worker and Redis take turns, so on a quiet machine the sum of the two CPU figures is
what bounds throughput; on a loaded one it is the steadier figure.
usage: BENCH_METRICS=1 python bench/metrics_overhead.py [N] [--fork]
Run the two settings alternately (A B A B ...) on a loaded machine; see bench/README.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "scripts")]

from private_redis import RedisServer  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 20_000
    fork = "--fork" in sys.argv
    server = RedisServer().start()
    try:
        os.environ["BENCH_REDIS_URL"] = server.url
        os.environ["DJANGO_SETTINGS_MODULE"] = "djbench.settings"
        import django

        django.setup()
        from djbench import jobs

        from django_resque.conf import get_config
        from django_resque.worker.loop import Worker

        jobs.count.enqueue_many([(i,) for i in range(n)])
        worker = Worker(["bench"], fork=fork, burst=True)
        redis_cpu = _redis_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        worker.work()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        redis_cpu = _redis_cpu() - redis_cpu
        print(
            json.dumps(
                {
                    "mode": "fork" if fork else "no-fork",
                    "metrics": get_config()["METRICS"],
                    "jobs": n,
                    "seconds": round(seconds, 3),
                    "jobs_per_s": round(n / seconds, 1),
                    "worker_cpu_us": round(cpu / n * 1e6, 1),
                    "redis_cpu_us": round(redis_cpu / n * 1e6, 1),
                }
            ),
            flush=True,
        )
    finally:
        server.stop()


def _redis_cpu() -> float:
    from django_resque.storage.connection import get_redis

    info = get_redis().info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


if __name__ == "__main__":
    main()
