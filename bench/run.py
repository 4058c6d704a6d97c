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
import fnmatch
import glob
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "scripts"))

import peers  # noqa: E402
from monitor import count_round_trips  # noqa: E402
from private_redis import RedisServer  # noqa: E402
from summary import summary  # noqa: E402

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 rep, smaller N")
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
        # the I/O configurations are chosen by --configs alone (their systems need not be listed)
        io_cfgs = [] if args.no_io else io_workload.selected("", server.url, args.configs)
        systems = args.systems.split(",")
        systems += sorted({c.system for c in io_cfgs} - set(systems))
        unavailable = _unavailable(systems, server.url)
        args.systems = ",".join(s for s in args.systems.split(",") if s not in unavailable)
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
        and any(fnmatch.fnmatch(name, p) for p in args.configs.split(","))
    )


def fork_floor() -> dict:
    """hotpath.py --fork-floor: the median wall time of a bare fork + exit of a worker process."""
    env = {**os.environ, "PYTHONPATH": _pythonpath()}
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


def _pythonpath() -> str:
    """bench/ first, then the caller's PYTHONPATH: `PYTHONPATH=<checkout> bench/run ...` runs
    django_resque from another checkout (the workers inherit it as well), and the count-option
    check and the fork floor must see the same django_resque as the workers."""
    return os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p)


def _has_count_option() -> bool:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "djbench.settings", "PYTHONPATH": _pythonpath()}
    out = subprocess.run(
        [sys.executable, "-m", "django", "resque_work", "--help"],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "--count" in out


if __name__ == "__main__":
    sys.exit(main())
