#!/usr/bin/env python
"""django_resque beside RQ, Huey and the raw floor, in one invocation against one private Redis.

Starts a private redis-server (scripts/private_redis.py, free loopback port), runs the shared
peer harness (peers.py, copied here) with the django_resque adapter, then a round-trip count
per worker configuration under MONITOR, and prints absolute figures and the ratios to the peers
measured in this same run. Use bench/run (it makes the venv); see bench/README.md.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "scripts"))

import peers  # noqa: E402
import redis  # noqa: E402
from private_redis import RedisServer  # noqa: E402

SYSTEMS = "django_resque,rq,huey,raw"
CONFIGS = "rq-fork-1p,huey-w1-thread,huey-w2-process,raw-1p,dres-*"
QUICK = [
    "--n-enqueue",
    "5000",
    "--n-process",
    "3000",
    "--n-fork",
    "300",
    "--lat-jobs",
    "100",
    "--lat-jobs-fork",
    "60",
]
MONITOR_JOBS = 600
NOT_WORKER = ("info", "echo", "flushdb", "llen", "client")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 rep, smaller N (~3 min)")
    ap.add_argument("--reps", type=int, help="repetitions (default 3, or 1 with --quick)")
    ap.add_argument("--systems", default=SYSTEMS)
    ap.add_argument("--configs", default=CONFIGS)
    ap.add_argument("--skip-monitor", action="store_true", help="no MONITOR round-trip count")
    args, extra = ap.parse_known_args()
    reps = args.reps or (1 if args.quick else 3)
    os.environ["BENCH_DRES_COUNT_OPTION"] = "1" if _has_count_option() else "0"
    server = RedisServer().start()
    print(f"private redis-server pid={server.pid} url={server.url}", flush=True)
    try:
        out = HERE / "out"
        docs = [
            _one_rep(rep, args, server.url, out, [*(QUICK if args.quick else []), *extra])
            for rep in range(reps)
        ]
        doc = _merge(docs)
        path = out / f"peers-{doc['started']}-x{reps}.json"
        doc["monitor"] = (
            {} if args.skip_monitor else count_round_trips(server.url, args.configs, out)
        )
        path.write_text(json.dumps(doc, indent=1))
        path.with_suffix(".md").write_text(peers.report([str(path)]))
        text = summary(doc, " ".join(["bench/run", *sys.argv[1:]]))
        summary_path = path.with_name(path.stem.replace("peers", "summary") + ".md")
        summary_path.write_text(text)
        print(path.with_suffix(".md").read_text())
        print(text)
        print(f"wrote {path}, {path.with_suffix('.md')} and {summary_path}")
    finally:
        server.stop()
    return 0


def _one_rep(rep: int, args: argparse.Namespace, url: str, out: Path, sizes: list[str]) -> dict:
    """One repetition of every system, in an order rotated per repetition.

    Interleaving repetitions (rather than all repetitions of one system, then the next) lets a
    burst of load from elsewhere on a shared machine hit every system, not just one.
    """
    systems = args.systems.split(",")
    order = systems[rep % len(systems) :] + systems[: rep % len(systems)]
    argv = ["--adapter-module", "adapters_django_resque", "run", "--systems", ",".join(order)]
    argv += ["--configs", args.configs, "--redis-url", url, "--out", str(out), "--reps", "1"]
    before = set(glob.glob(str(out / "peers-*.json")))
    peers.log(f"=== repetition {rep + 1}: {', '.join(order)}")
    peers.main([*argv, *sizes])
    path = Path(max(set(glob.glob(str(out / "peers-*.json"))) - before))
    return json.loads(path.read_text())


def _merge(docs: list[dict]) -> dict:
    """One result document whose runs are all repetitions, systems in the first one's order."""
    base = docs[0]
    by_name = {s["system"]: s for s in base["systems"]}
    for doc in docs[1:]:
        for system in doc["systems"]:
            into = by_name.setdefault(system["system"], system)
            if into is system:
                base["systems"].append(system)
                continue
            for kind in ("enqueue", "enqueue_bulk", "skipped"):
                into[kind] += system[kind]
            for kind in ("process", "latency"):
                for cfg, runs in system[kind].items():
                    into[kind].setdefault(cfg, []).extend(runs)
    base["args"]["reps"] = len(docs)
    base["finished"] = docs[-1].get("finished")
    base["order"] = [[s["system"] for s in d["systems"]] for d in docs]
    return base


def _has_count_option() -> bool:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "djbench.settings", "PYTHONPATH": str(HERE)}
    out = subprocess.run(
        [sys.executable, "-m", "django", "resque_work", "--help"],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "--count" in out


# --------------------------------------------------------------------------- #
# Round trips per job: MONITOR tells commands sent by clients from those run inside Lua.
# --------------------------------------------------------------------------- #
def count_round_trips(url: str, patterns: str, out: Path) -> dict:
    os.environ["BENCH_REDIS_URL"] = url
    peers.C.REDIS_URL = url
    bench = peers.Bench(argparse.Namespace(redis_url=url, out=str(out), run_timeout=120.0))
    result = {}
    for name in ("django_resque", "rq", "huey", "raw"):
        adapter = peers.ADAPTERS[name](url)
        adapter.setup()
        for cfg in adapter.worker_configs():
            if any(_match(cfg.name, p) for p in patterns.split(",")):
                peers.log(f"monitor {cfg.name}")
                result[cfg.name] = _monitor_one(bench, adapter, cfg, out)
                peers.log(f"  {result[cfg.name]}")
    return result


def _match(name: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(name, pattern)


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


# --------------------------------------------------------------------------- #
# Summary with ratios
# --------------------------------------------------------------------------- #
def summary(doc: dict, command: str) -> str:
    m = doc["machine"]
    get = _getter(doc)
    lines = [
        f"## django_resque beside its peers — run {doc['started']}\n",
        f"Command: `{command}` · {m['nproc']} CPU ({m['cpu_model']}), kernel {m['kernel']}, "
        f"Python {m['python']}, redis-server {m['redis_server']}, libs {m['libs']}, "
        f"load at start {tuple(round(x, 2) for x in m['loadavg_at_start'])}, "
        f"reps {doc['args']['reps']} (medians)\n",
    ]
    lines += _absolute(doc, get)
    lines += _round_trips(doc)
    lines += _targets(doc, get)
    return "\n".join(lines) + "\n"


def _getter(doc: dict):
    by_cfg, enq = {}, {}
    for s in doc["systems"]:
        enq[s["system"]] = (s["enqueue"], s["enqueue_bulk"])
        for name in s["configs"]:
            by_cfg[name] = (s["process"].get(name, []), s["latency"].get(name, []))

    def get(what: str, key: str):
        if what.startswith("enqueue"):
            system, kind = what.split(":")[1], what.split(":")[0]
            runs = enq.get(system, ([], []))[kind == "enqueue_bulk"]
        else:
            kind, name = what.split(":")
            runs = by_cfg.get(name, ([], []))[kind == "latency"]
        return peers.med(runs, key)[0]

    return get


def _absolute(doc: dict, get) -> list[str]:
    lines = [
        "### Absolute figures\n",
        "| system | single enqueue jobs/s | bulk enqueue jobs/s | enqueue server calls/job |",
        "|---|---:|---:|---:|",
    ]
    for s in doc["systems"]:
        name = s["system"]
        lines.append(
            f"| {name} | {peers.fmt(get('enqueue:' + name, 'jobs_per_s'))} | "
            f"{peers.fmt(get('enqueue_bulk:' + name, 'jobs_per_s'))} | "
            f"{peers.fmt(get('enqueue:' + name, 'redis_cmds_per_job'), 1)} |"
        )
    lines += [
        "",
        "| config | steady jobs/s | CPU ms/job | server calls/job (commandstats) | "
        "p50 ms | p95 ms | p99 ms | peak PSS/tree MB | peak RSS/tree MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in doc["systems"]:
        for name in s["configs"]:
            p, la = "process:" + name, "latency:" + name
            cells = [
                peers.fmt(get(p, "steady_jobs_per_s")),
                peers.fmt(get(p, "worker_cpu_ms_per_job"), 2),
                peers.fmt(get(p, "redis_cmds_per_job"), 1),
                *(peers.fmt(get(la, k), 2) for k in ("p50_ms", "p95_ms", "p99_ms")),
                peers.fmt(get(p, "peak_tree_pss_mb"), 1),
                peers.fmt(get(p, "peak_tree_rss_mb"), 1),
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _round_trips(doc: dict) -> list[str]:
    mon = doc.get("monitor") or {}
    if not mon:
        return []
    lines = [
        "",
        "### Redis commands per job, worker side (MONITOR, steady window)\n",
        "Client round trips = commands the worker sent (each pipelined command counts); "
        "server calls = those plus the commands run inside Lua scripts, which is what "
        "INFO commandstats counts. The job's own INCR and the harness's polls are left out.\n",
        "| config | jobs seen | client round trips/job | server calls/job | client commands | "
        "inside Lua |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, r in mon.items():
        if not r.get("ok"):
            lines.append(f"| {name} | — | — | — | — | — |")
            continue
        c = ", ".join(f"{k} {v}" for k, v in r["client"].items())
        lua = ", ".join(f"{k} {v}" for k, v in r["lua"].items()) or "—"
        lines.append(
            f"| {name} | {r['jobs']} | {r['round_trips_per_job']} | "
            f"{r['server_calls_per_job']} | {c} | {lua} |"
        )
    return lines


def _targets(doc: dict, get) -> list[str]:
    mon = doc.get("monitor") or {}
    rt = mon.get("dres-nofork-1p", {}).get("round_trips_per_job")
    sc = mon.get("dres-nofork-1p", {}).get("server_calls_per_job")
    rows = [
        (
            "fork 1p steady jobs/s ÷ rq-fork-1p",
            get("process:dres-fork-1p", "steady_jobs_per_s"),
            get("process:rq-fork-1p", "steady_jobs_per_s"),
            ">=",
            5.0,
        ),
        (
            "no-fork 1p steady ÷ huey-w1-thread",
            get("process:dres-nofork-1p", "steady_jobs_per_s"),
            get("process:huey-w1-thread", "steady_jobs_per_s"),
            ">=",
            1.3,
        ),
        (
            "no-fork 1p steady ÷ raw-1p",
            get("process:dres-nofork-1p", "steady_jobs_per_s"),
            get("process:raw-1p", "steady_jobs_per_s"),
            ">=",
            0.6,
        ),
        (
            "no-fork 2p steady ÷ huey-w2-process",
            get("process:dres-nofork-2p", "steady_jobs_per_s"),
            get("process:huey-w2-process", "steady_jobs_per_s"),
            ">=",
            1.0,
        ),
        (
            "single enqueue ÷ raw",
            get("enqueue:django_resque", "jobs_per_s"),
            get("enqueue:raw", "jobs_per_s"),
            ">=",
            0.8,
        ),
        (
            "bulk enqueue ÷ raw pipelined",
            get("enqueue_bulk:django_resque", "jobs_per_s"),
            get("enqueue_bulk:raw", "jobs_per_s"),
            ">=",
            0.5,
        ),
        (
            "pickup p50 no-fork ÷ raw-1p",
            get("latency:dres-nofork-1p", "p50_ms"),
            get("latency:raw-1p", "p50_ms"),
            "<=",
            2.0,
        ),
        (
            "pickup p50 fork ÷ rq-fork-1p",
            get("latency:dres-fork-1p", "p50_ms"),
            get("latency:rq-fork-1p", "p50_ms"),
            "<=",
            0.3,
        ),
        (
            "PSS fork worker+child ÷ rq-fork-1p",
            get("process:dres-fork-1p", "peak_tree_pss_mb"),
            get("process:rq-fork-1p", "peak_tree_pss_mb"),
            "<=",
            1.0,
        ),
    ]
    lines = [
        "",
        "### Targets (ratios within this run)\n",
        "| figure | django_resque | peer | ratio | target | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for label, ours, theirs, op, goal in rows:
        ratio = ours / theirs if ours and theirs else None
        met = (
            "—"
            if ratio is None
            else ("yes" if (ratio >= goal if op == ">=" else ratio <= goal) else "NO")
        )
        lines.append(
            f"| {label} | {peers.fmt(ours, 2)} | {peers.fmt(theirs, 2)} | "
            f"{peers.fmt(ratio, 2)} | {op} {goal:g} | {met} |"
        )
    if rt is not None:
        lines.append(
            f"| worker round trips/job (no-fork; server calls {sc}) | {rt} | — | — | <= 4 | "
            f"{'yes' if rt <= 4 else 'NO'} |"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
