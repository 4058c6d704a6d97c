#!/usr/bin/env python
"""django_resque beside its peers, in one invocation against one private Redis.

Starts a private redis-server (scripts/private_redis.py, free loopback port), runs the shared
peer harness (peers.py, copied here) with the django_resque, Django-peer (django-rq, Celery with
Django) and Sidekiq adapters, the I/O-bound workload (io_workload.py) in each repetition, a
round-trip count per worker configuration under MONITOR, and a fork + exit floor
(hotpath.py --fork-floor), and prints absolute figures and the ratios to the peers measured in
this same run. Use bench/run (it makes the venv); see bench/README.md.
"""

from __future__ import annotations

import argparse
import collections
import glob
import importlib
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
import summary_ratios  # noqa: E402
from private_redis import RedisServer  # noqa: E402

SYSTEMS = "django_resque,rq,django_rq,celery_django,huey,raw,sidekiq"
CONFIGS = (
    "rq-fork-1p,huey-w1-thread,huey-w2-process,raw-1p,dres-*,django-rq-fork-1p,"
    "celery-dj-prefork-c1,sidekiq-c1,*-io-*"
)
ADAPTER_MODULES = ("adapters_django_resque", "adapters_django_peers", "adapters_sidekiq")
IO_ONLY = "*-io-*"
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
    ap.add_argument("--io", action="store_true", help="only the I/O workload (configs *-io-*)")
    ap.add_argument("--no-io", action="store_true", help="leave the I/O workload out")
    ap.add_argument("--io-jobs", type=int, help="jobs per I/O run (default 2000, 800 with --quick)")
    args, extra = ap.parse_known_args()
    reps = args.reps or (1 if args.quick else 3)
    if args.io and args.configs == CONFIGS:
        args.configs = IO_ONLY
    args.io_jobs = args.io_jobs or (800 if args.quick else 2000)
    os.environ["BENCH_DRES_COUNT_OPTION"] = "1" if _has_count_option() else "0"
    for module in ADAPTER_MODULES:  # after the environment above: the modules read it
        importlib.import_module(module)
    import io_workload

    server = RedisServer().start()
    print(f"private redis-server pid={server.pid} url={server.url}", flush=True)
    io_server = None
    try:
        out = HERE / "out"
        os.environ["BENCH_REDIS_URL"] = peers.C.REDIS_URL = server.url
        unavailable = _unavailable(args.systems.split(","), server.url)
        args.systems = ",".join(s for s in args.systems.split(",") if s not in unavailable)
        io_cfgs = [] if args.no_io else io_workload.selected("", server.url, args.configs)
        if io_cfgs:
            io_server = io_workload.Server(io_workload.WAIT_S)
            io_cfgs = io_workload.selected(io_server.addr, server.url, args.configs)
            peers.log(f"I/O server pid={io_server.proc.pid} on {io_server.addr}")
        sizes = [*(QUICK if args.quick else []), *extra]
        docs = [
            _one_rep(rep, args, server.url, out, sizes, io_server, io_cfgs, unavailable)
            for rep in range(reps)
        ]
        doc = _merge(docs)
        doc["unavailable"] = unavailable
        doc["io_jobs"] = args.io_jobs
        doc["io_notes"] = {c.name: c.worker.note for c in io_cfgs}
        doc["io_versions"] = {**io_workload.versions(), "sidekiq": _sidekiq_version()}
        doc["fork_floor"] = fork_floor() if _matches("dres-fork-1p", args) else {}
        path = out / f"peers-{doc['started']}-x{reps}.json"
        doc["monitor"] = (
            {}
            if args.skip_monitor or args.io
            else count_round_trips(server.url, args.systems, args.configs, out)
        )
        path.write_text(json.dumps(doc, indent=1))
        path.with_suffix(".md").write_text(peers.report([str(path)]))
        text = summary(doc, " ".join(["bench/run", *sys.argv[1:]]))
        summary_path = path.with_name(path.stem.replace("peers", "summary") + ".md")
        summary_path.write_text(text)
        if doc["systems"]:
            print(path.with_suffix(".md").read_text())
        print(text)
        print(f"wrote {path}, {path.with_suffix('.md')} and {summary_path}")
    finally:
        if io_server:
            io_server.stop()
        server.stop()
    return 0


def _one_rep(
    rep: int,
    args: argparse.Namespace,
    url: str,
    out: Path,
    sizes: list[str],
    io_server,
    io_cfgs: list,
    unavailable: dict[str, str],
) -> dict:
    """One repetition of every system, then of every I/O configuration, in orders rotated per
    repetition.

    Interleaving repetitions (rather than all repetitions of one system, then the next) lets a
    burst of load from elsewhere on a shared machine hit every system, not just one.
    """
    import io_workload

    systems = [s for s in args.systems.split(",") if s]
    if args.io or not systems:
        doc = _empty_doc(url, args)
    else:
        order = systems[rep % len(systems) :] + systems[: rep % len(systems)]
        argv = [arg for m in ADAPTER_MODULES for arg in ("--adapter-module", m)]
        argv += ["run", "--systems", ",".join(order), "--configs", args.configs]
        argv += ["--redis-url", url, "--out", str(out), "--reps", "1"]
        before = set(glob.glob(str(out / "peers-*.json")))
        peers.log(f"=== repetition {rep + 1}: {', '.join(order)}")
        peers.main([*argv, *sizes])
        path = Path(max(set(glob.glob(str(out / "peers-*.json"))) - before))
        doc = json.loads(path.read_text())
    if io_cfgs:
        peers.log(f"=== repetition {rep + 1}: I/O workload, {args.io_jobs} jobs per run")
        runs = io_workload.run_rep(url, io_server, io_cfgs, args.io_jobs, rep, out, unavailable)
        doc["io"] = {c.name: [runs[c.name]] for c in io_cfgs}
    return doc


def _empty_doc(url: str, args: argparse.Namespace) -> dict:
    """A result document without harness systems (bench/run --io)."""
    started = time.strftime("%Y%m%d-%H%M%S")
    return {
        "started": started,
        "argv": sys.argv,
        "args": {"reps": 1, "configs": args.configs},
        "machine": peers.machine_info(url),
        "systems": [],
    }


def _unavailable(systems: list[str], url: str) -> dict[str, str]:
    """Systems whose adapter says it cannot run here (e.g. no sidekiq), with the reason."""
    left_out = {}
    for name in systems:
        check = getattr(peers.ADAPTERS.get(name), "unavailable", None)
        reason = check(url) if check else None
        if reason:
            left_out[name] = reason
            print(f"{name}: skipped, {reason}", flush=True)
    return left_out


def _sidekiq_version() -> str:
    return getattr(peers.ADAPTERS.get("sidekiq"), "version", "") or ""


def _matches(name: str, args: argparse.Namespace) -> bool:
    return (
        not args.io
        and "django_resque" in args.systems.split(",")
        and any(_match(name, p) for p in args.configs.split(","))
    )


def fork_floor() -> dict:
    """hotpath.py --fork-floor: the median wall time of a bare fork + exit of a worker process."""
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    done = subprocess.run(
        [sys.executable, str(HERE / "hotpath.py"), "--fork-floor", "500"],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        peers.log(f"fork floor failed: {done.stderr.strip()[-300:]}")
        return {}
    floor = json.loads(done.stdout.strip().splitlines()[-1])
    peers.log(f"fork + exit floor: {floor}")
    return floor


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
    if "io" in base:
        for doc in docs[1:]:
            for cfg, runs in doc.get("io", {}).items():
                base["io"].setdefault(cfg, []).extend(runs)
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
def count_round_trips(url: str, systems: str, patterns: str, out: Path) -> dict:
    os.environ["BENCH_REDIS_URL"] = url
    peers.C.REDIS_URL = url
    bench = peers.Bench(argparse.Namespace(redis_url=url, out=str(out), run_timeout=120.0))
    result = {}
    for name in [s for s in systems.split(",") if s]:
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
    if doc["systems"]:
        lines += _absolute(doc, get)
        lines += _round_trips(doc)
        lines += _targets(doc, get)
    if doc.get("fork_floor"):
        f = doc["fork_floor"]
        lines += [
            "",
            f"Fork + exit floor (hotpath.py --fork-floor, {f['forks']} forks of a worker "
            f"process, huge pages {f['huge_pages']}): {f['fork_exit_ms']} ms per fork = "
            f"{f['floor_jobs_per_s']} jobs/s.",
        ]
    lines += summary_ratios.io_lines(doc)
    lines += summary_ratios.skip_lines(doc)
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
    rows += summary_ratios.fork_rows(doc, get)
    lines = [
        "",
        "### Targets (ratios within this run)\n",
        "| figure | django_resque | peer | ratio | target | met |",
        "|---|---:|---:|---:|---|---|",
        *summary_ratios.render(rows),
    ]
    if rt is not None:
        lines.append(
            f"| worker round trips/job (no-fork; server calls {sc}) | {rt} | — | — | <= 4 | "
            f"{'yes' if rt <= 4 else 'NO'} |"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
