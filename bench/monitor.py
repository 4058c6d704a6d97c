"""Round trips per job: MONITOR tells the commands clients sent from those run inside Lua.

After the main run, bench/run.py runs each selected worker configuration once more under
MONITOR for a few hundred jobs (count_round_trips) and separates what the worker sent (client
round trips) from what its scripts ran, leaving out the job's own INCR and the harness's polls.
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import os
import threading
import time
from pathlib import Path

import peers
import redis

MONITOR_JOBS = 600
NOT_WORKER = ("info", "echo", "flushdb", "llen", "client")


# --------------------------------------------------------------------------- #
# Round trips per job: MONITOR tells commands sent by clients from those run inside Lua.
# --------------------------------------------------------------------------- #
def count_round_trips(url: str, systems: str, patterns: str, out: Path) -> dict:
    os.environ["BENCH_REDIS_URL"] = url
    peers.C.REDIS_URL = url
    bench = peers.Bench(argparse.Namespace(redis_url=url, out=str(out), run_timeout=120.0))
    result = {}
    for name in [s for s in systems.split(",") if s]:
        adapter = peers.ADAPTERS[name](url)
        adapter.setup()
        for cfg in adapter.worker_configs():
            if any(fnmatch.fnmatch(cfg.name, p) for p in patterns.split(",")):
                peers.log(f"monitor {cfg.name}")
                result[cfg.name] = _monitor_one(bench, adapter, cfg, out)
                peers.log(f"  {result[cfg.name]}")
    return result


def _monitor_one(bench, adapter, cfg, out: Path) -> dict:
    n = MONITOR_JOBS if not cfg.fork_per_job else MONITOR_JOBS // 2
    bench.prefill(adapter, n)
    seen: list[tuple[float, str, str]] = []
    ready = threading.Event()

    def read() -> None:
        with redis.Redis.from_url(bench.url).monitor() as mon:
            ready.set()
            for cmd in mon.listen():
                if cmd["command"].lower().startswith("echo bench-monitor-stop"):
                    return
                seen.append((cmd["time"], cmd["client_type"], cmd["command"]))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(10)
    time.sleep(0.2)
    workers = peers.Workers(cfg, bench.url, n, out / "logs" / f"monitor-{cfg.name}.log")
    deadline = time.time() + 120
    try:
        while time.time() < deadline and int(bench.r.get(peers.C.K_COUNT) or 0) < n:
            time.sleep(0.05)
    finally:
        workers.stop()
        bench.r.echo("bench-monitor-stop")
        reader.join(10)
    first = float(bench.r.get(peers.C.K_FIRST) or 0)
    last = float(bench.r.get(peers.C.K_LAST) or 0)
    bench.flush(adapter)
    return _classify(seen, first, last)


def _classify(seen: list[tuple[float, str, str]], first: float, last: float) -> dict:
    jobs = 0
    client: collections.Counter[str] = collections.Counter()
    lua: collections.Counter[str] = collections.Counter()
    for t, kind, command in seen:
        if not first <= t <= last:
            continue
        words = command.split(" ", 2)
        verb = words[0].lower()
        if len(words) > 1 and words[1].startswith("bench:"):
            jobs += verb in ("incr", "incrby") and words[1] == peers.C.K_COUNT
            continue  # the job body's own INCR/SET and the harness's GET polls
        if verb in NOT_WORKER:
            continue
        (lua if kind == "lua" else client)[verb] += 1
    if not jobs:
        return {"ok": False}
    return {
        "ok": True,
        "jobs": jobs,
        "round_trips_per_job": round(sum(client.values()) / jobs, 2),
        "server_calls_per_job": round((sum(client.values()) + sum(lua.values())) / jobs, 2),
        "client": {k: round(v / jobs, 2) for k, v in client.most_common()},
        "lua": {k: round(v / jobs, 2) for k, v in lua.most_common()},
    }
