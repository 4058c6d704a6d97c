"""How long retry_all / remove_all take on a big failed list, and how long Redis is blocked.

Starts a private redis-server, fills N failure records (default 1,000,000), then times
count/page with and without filters, retry_all with a one-facet filter, and remove_all of the
rest. Every Lua call is timed from Python (round trip included, so an upper bound on how long
Redis was blocked), reported as p50/p99/max per script.

    .venv/bin/python bench/failures_bulk.py [N]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    from private_redis import RedisServer

    server = RedisServer().start()
    os.environ["RESQUE_TEST_REDIS_URL"] = server.url
    try:
        run(server.url, count)
    finally:
        server.stop()


def run(url: str, count: int) -> None:
    import django
    import redis

    django.setup()
    from django_resque.failures import registry as failures
    from django_resque.failures.registry import FailureFilter
    from tests.failure_factory import fill

    client = redis.Redis.from_url(url)
    started = time.perf_counter()
    fill(client, count)
    print(f"filled {count:,} records in {time.perf_counter() - started:.1f} s")
    print(f"redis used_memory: {client.info('memory')['used_memory_human']}")
    steps = [
        ("count()", lambda: failures.count()),
        ("count(queue)", lambda: failures.count(FailureFilter(queue="q1"))),
        ("page(offset=500000)", lambda: len(failures.page(offset=count // 2, limit=20))),
        ("page(queue+job)", lambda: len(failures.page(FailureFilter(queue="q1", job_name="J2")))),
        ("count(queue+job)", lambda: failures.count(FailureFilter(queue="q1", job_name="J2"))),
        ("retry_all(queue=q1)", lambda: failures.retry_all(FailureFilter(queue="q1"))),
        ("remove_all()", lambda: failures.remove_all()),
    ]
    timings = _time_scripts()
    client.config_set("latency-monitor-threshold", 1)
    for name, step in steps:
        timings.clear()
        client.config_resetstat()
        client.execute_command("LATENCY", "RESET")
        began = time.perf_counter()
        result = step()
        took = time.perf_counter() - began
        print(f"{name:22} -> {result!s:>9}  total {took:7.3f} s")
        print(f"    client-side per call: {_summary(timings) or '-'}")
        print(f"    server-side: {_server_side(client)}")


def _server_side(client: Any) -> str:
    """Redis's own view: mean EVALSHA time, and the longest command (LATENCY, 1 ms steps)."""
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    latest = client.execute_command("LATENCY", "LATEST")
    worst = max((int(row[3]) for row in latest if row[0] in (b"command", "command")), default=0)
    mean = float(stats.get("usec_per_call", 0)) / 1000
    return f"EVALSHA x{stats.get('calls', 0)} mean {mean:.2f} ms, longest command {worst} ms"


def _time_scripts() -> dict[str, list[float]]:
    """Wrap scripts.run to time every call (round trip included: an upper bound on blocking)."""
    from django_resque.storage import scripts

    timings: dict[str, list[float]] = {}
    original = scripts.run

    def timed(name: str, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(name, *args, **kwargs)
        finally:
            timings.setdefault(name, []).append((time.perf_counter() - began) * 1000)

    scripts.run = timed  # type: ignore[assignment]
    return timings


def _summary(timings: dict[str, list[float]]) -> str:
    return ", ".join(
        f"{name} x{len(d)} p50 {_pct(d, 50):.2f} p99 {_pct(d, 99):.2f} max {max(d):.2f} ms"
        for name, d in sorted(timings.items())
        if name != "failure_adopt"
    )


def _pct(durations: list[float], pct: int) -> float:
    ordered = sorted(durations)
    return ordered[min(len(ordered) - 1, len(ordered) * pct // 100)]


if __name__ == "__main__":
    main()
