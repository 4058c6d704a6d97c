"""What RESQUE["ENQUEUE_REPLICAS"] costs: enqueue throughput with and without WAIT for replicas.

Starts a private primary and one replica (`scripts/private_redis.py`, loopback, free ports),
then in this process enqueues N no-op jobs (djbench's `bench.noop`) with `.delay()` one call at
a time, and N with `enqueue_many` (chunks of 100), under ENQUEUE_REPLICAS = 0 and = 1, the two
settings taking turns every repetition; prints jobs/s and µs per call, medians over the
repetitions, and 1 ÷ 0. The queue is emptied (DEL) between runs; no worker runs.

    .venv/bin/python bench/replicas.py [--jobs N] [--reps R] [--replicas 0|1]

`--replicas` runs that setting alone (for timing whole processes from outside, as
`farm-bench -- … --replicas 1 --vs '… --replicas 0'` does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "scripts")]

from private_redis import RedisServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--replicas", type=int, choices=(0, 1), help="run only this setting")
    options = parser.parse_args()
    at_once = ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"]  # sync in ms
    primary = RedisServer(extra=at_once).start()
    replica = RedisServer(extra=[*at_once, "--replicaof", "127.0.0.1", str(primary.port)]).start()
    try:
        os.environ["BENCH_REDIS_URL"] = primary.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djbench.settings")
        import django

        django.setup()
        _wait_for_link(primary)
        settings = (options.replicas,) if options.replicas is not None else (0, 1)
        report(measure(options.jobs, options.reps, settings), options.jobs)
    finally:
        replica.stop()
        primary.stop()


def _wait_for_link(primary: RedisServer) -> None:
    import redis

    client = redis.Redis(port=primary.port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        link = client.info("replication").get("slave0")
        if isinstance(link, dict) and link.get("state") == "online":
            return
        time.sleep(0.05)
    raise SystemExit("the replica was not in sync within 20 s")


def measure(jobs: int, reps: int, settings_: tuple[int, ...]) -> dict[tuple[str, int], list[float]]:
    """Seconds per run of each (api, replicas), the settings taking turns."""
    from django.conf import settings
    from django.test import override_settings
    from djbench.jobs import noop

    from django_resque.storage.connection import get_redis

    results: dict[tuple[str, int], list[float]] = {}
    for rep in range(reps):
        for replicas in settings_ if rep % 2 == 0 else settings_[::-1]:
            with override_settings(RESQUE={**settings.RESQUE, "ENQUEUE_REPLICAS": replicas}):
                for api in ("delay", "enqueue_many"):
                    get_redis().delete("resque:queue:bench")
                    started = time.perf_counter()
                    if api == "delay":
                        for i in range(jobs):
                            noop.delay(i)
                    else:
                        noop.enqueue_many([(i,) for i in range(jobs)], chunk_size=100)
                    results.setdefault((api, replicas), []).append(time.perf_counter() - started)
    return results


def report(results: dict[tuple[str, int], list[float]], jobs: int) -> None:
    print(f"{'api':<14}{'ENQUEUE_REPLICAS':>18}{'jobs/s':>10}{'µs/job':>9}{'µs ÷ 0':>8}")
    for api in ("delay", "enqueue_many"):
        runs = [replicas for replicas in (0, 1) if (api, replicas) in results]
        base = statistics.median(results[(api, runs[0])])
        for replicas in runs:
            seconds = statistics.median(results[(api, replicas)])
            print(
                f"{api:<14}{replicas:>18}{jobs / seconds:>10.0f}{seconds / jobs * 1e6:>9.1f}"
                f"{seconds / base:>8.2f}"
            )


if __name__ == "__main__":
    main()
