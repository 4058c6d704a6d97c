"""The I/O-bound workload: N jobs that each wait 50 ms on a socket, 16 at a time.

bench/run.py starts the local TCP server (iojobs/server.py: read a line, asyncio.sleep 50 ms,
reply) on a free loopback port, then, per repetition, runs each selected configuration: the
queue is flushed, N `io_wait` jobs are enqueued, the workers are started, and the harness's own
pieces do the rest (peers.Workers samples the worker tree's PSS/RSS every 50 ms and its CPU, and
the jobs' count bookkeeping records the first and the last completion). Throughput is
(N−1)/(t_last − t_first), as for the harness's steady figure; the ideal is 16 / 50 ms = 320
jobs/s. The server reports how many jobs waited at the same time (max_waiting), which shows the
peak PSS was taken while 16 jobs waited.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import peers
from adapters_django_peers import CELERY_ENV, celery_worker
from adapters_sidekiq import sidekiq_worker
from iojobs.server import Server
from peers import WorkerConfig

HERE = Path(__file__).resolve().parent
CONCURRENCY = 16
WAIT_S = 0.05
IDEAL = CONCURRENCY / WAIT_S
STALL_S = 20.0  # no job completed for this long: the run is given up
NO_THREADS = "this checkout's resque_work has no --threads yet"


@dataclass
class IOConfig:
    name: str
    system: str  # the harness adapter whose setup() and flush hooks the producer uses
    worker: WorkerConfig
    enqueue: Callable[[peers.Adapter, list[int]], None]
    needs_threads: bool = False  # a refusal of --threads by the command is a skip, not a failure
    skip: Callable[[], str] | None = None  # a reason to skip before starting, or ""


# --------------------------------------------------------------------------- #
# Producers: N io_wait jobs for each system
# --------------------------------------------------------------------------- #
def _dres(attr: str) -> Callable[[peers.Adapter, list[int]], None]:
    def enqueue(adapter: peers.Adapter, args: list[int]) -> None:
        from djbench import jobs

        getattr(jobs, attr).enqueue_many([(i,) for i in args])

    return enqueue


def _async_refused() -> str:
    from djbench import jobs

    if jobs.io_wait_async is None:
        return f"djbench's async job is not registered ({jobs.ASYNC_REFUSED})"
    return ""


def _celery(adapter, args):
    for i in args:
        adapter.mod.app.send_task("bench.io_wait", args=[i])


def _dramatiq(adapter, args):
    from iojobs import dramatiq_io

    for i in args:
        dramatiq_io.io_wait.send(i)


def _huey(adapter, args):
    from iojobs import huey_io

    for i in args:
        huey_io.io_wait(i)


def _sidekiq(adapter, args):
    for s in range(0, len(args), peers.CHUNK):
        adapter.push("io", args[s : s + peers.CHUNK])


def io_configs(addr: str, url: str) -> list[IOConfig]:
    io = {"BENCH_IO_ADDR": addr}
    dj = {**io, "DJANGO_SETTINGS_MODULE": "djbench.settings"}
    work = [sys.executable, "-m", "django", "resque_work", "--queues", "bench"]
    threads = [*work, "--threads", str(CONCURRENCY)]
    dramatiq = [str(peers.BIN / "dramatiq"), "iojobs.dramatiq_io", "-Q", "bench", "-p", "1"]
    huey = [str(peers.BIN / "huey_consumer"), "iojobs.huey_io.huey", "-q", "-k", "thread"]

    def dres(name, argv, note, attr="io_wait", **kw):
        worker = WorkerConfig(name, [argv], cwd=str(HERE), env=dj, note=note)
        return IOConfig(name, "django_resque", worker, _dres(attr), **kw)

    def peer(name, system, argv, env, note, enqueue):
        worker = WorkerConfig(name, [argv], cwd=str(HERE), env={**io, **env}, note=note)
        return IOConfig(name, system, worker, enqueue)

    n = str(CONCURRENCY)
    return [
        dres("dres-io-threads16", threads, "resque_work --threads 16", needs_threads=True),
        dres(
            "dres-io-threads16-nofork",
            [*threads, "--no-fork"],
            "resque_work --threads 16 --no-fork",
            needs_threads=True,
        ),
        dres(
            "dres-io-async16",
            threads,
            "resque_work --threads 16, async def job",
            attr="io_wait_async",
            needs_threads=True,
            skip=_async_refused,
        ),
        dres("dres-io-count16", [*work, "--count", n], "resque_work --count 16 (forking)"),
        peer(
            "celery-io-threads16",
            "celery_django",
            celery_worker("threads", CONCURRENCY),
            CELERY_ENV,
            "celery -A djpeers worker -P threads -c 16",
            _celery,
        ),
        peer(
            "dramatiq-io-1p16t",
            "dramatiq",
            [*dramatiq, "-t", n],
            {},
            "dramatiq -p 1 -t 16",
            _dramatiq,
        ),
        peer(
            "huey-io-16threads",
            "huey",
            [*huey, "-w", n],
            {},
            "huey_consumer -k thread -w 16",
            _huey,
        ),
        peer(
            "sidekiq-io-16",
            "sidekiq",
            sidekiq_worker(CONCURRENCY),
            {"REDIS_URL": url},
            "sidekiq -c 16",
            _sidekiq,
        ),
    ]


# --------------------------------------------------------------------------- #
# Runner
# --------------------------------------------------------------------------- #
def selected(addr: str, url: str, patterns: str) -> list[IOConfig]:
    import fnmatch

    pats = patterns.split(",")
    return [c for c in io_configs(addr, url) if any(fnmatch.fnmatch(c.name, p) for p in pats)]


def run_rep(
    url: str,
    server: Server,
    cfgs: list[IOConfig],
    n: int,
    rep: int,
    out: Path,
    unavailable: dict[str, str],
) -> dict[str, dict]:
    """One repetition of every configuration, in an order rotated per repetition."""
    bench = peers.Bench(argparse.Namespace(redis_url=url, out=str(out), run_timeout=120.0))
    adapters: dict[str, peers.Adapter] = {}
    order = cfgs[rep % len(cfgs) :] + cfgs[: rep % len(cfgs)] if cfgs else []
    results = {}
    for cfg in order:
        if cfg.system in unavailable:
            results[cfg.name] = {"ok": False, "skipped": f"{cfg.system}: {unavailable[cfg.system]}"}
        else:
            if cfg.system not in adapters:
                adapters[cfg.system] = peers.ADAPTERS[cfg.system](url)
                adapters[cfg.system].setup()
            results[cfg.name] = measure(bench, adapters[cfg.system], cfg, n, server, rep)
        r = results[cfg.name]
        if r.get("skipped"):
            peers.log(f"  io {cfg.name} rep{rep}: SKIPPED, {r['skipped']}")
        else:
            peers.log(f"  io {cfg.name} rep{rep}: {peers.brief(r)}")
    return results


def measure(bench, adapter, cfg: IOConfig, n: int, server: Server, rep: int) -> dict:
    why = cfg.skip() if cfg.skip else ""
    if why:
        return {"ok": False, "skipped": why}
    bench.flush(adapter)
    server.ask("reset")
    cfg.enqueue(adapter, list(range(n)))
    logpath = bench.logdir / f"io-{cfg.name}-{rep}.log"
    w = peers.Workers(cfg.worker, bench.url, n, logpath)
    w.start_sampling()
    count, last_change, win = 0, time.time(), None
    try:
        while time.time() < w.t_spawn + bench.args.run_timeout and w.alive():
            now_count = int(bench.r.get(peers.C.K_COUNT) or 0)
            if now_count != count:
                count, last_change = now_count, time.time()
            if count >= n or time.time() - last_change > STALL_S:
                break
            if win is None and count > 0:
                win = (count, w.cpu_seconds())
            time.sleep(0.05)
        cpu = w.cpu_seconds() if win else 0.0
    finally:
        time.sleep(0.2)
        w.stop()
    stats = json.loads(server.ask("stats"))
    t_first = float(bench.r.get(peers.C.K_FIRST) or 0)
    t_last = float(bench.r.get(peers.C.K_LAST) or 0)
    count = int(bench.r.get(peers.C.K_COUNT) or 0)
    res = {
        "jobs": n,
        "executed": count,
        "ok": bool(t_last) and count >= n,
        **w.memory(),
        "max_waiting": stats["max_waiting"],
        "served": stats["served"],
    }
    if res["ok"] and t_last > t_first:
        res["steady_jobs_per_s"] = round((n - 1) / (t_last - t_first), 1)
        res["ratio_to_ideal"] = round(res["steady_jobs_per_s"] / IDEAL, 3)
        res["boot_s"] = round(t_first - w.t_spawn, 3)
        if win and n > win[0]:
            res["worker_cpu_ms_per_job"] = round((cpu - win[1]) / (n - win[0]) * 1e3, 3)
    elif not res["ok"]:
        refusal = _refusal(logpath) if cfg.needs_threads else ""
        if refusal:
            res["skipped"] = f"{NO_THREADS} (the command said: {refusal})"
        else:
            res["error"] = (
                f"executed {count}/{n}, exit codes {w.exit_codes()}"
                f"{_failures(bench, adapter)}; log {logpath}"
            )
    bench.flush(adapter)
    return res


def _refusal(logpath: Path) -> str:
    """The worker's line refusing an option (argparse or CommandError), if that is why it exited."""
    try:
        lines = logpath.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines[-40:]):
        if "unrecognized arguments" in line or line.startswith(("CommandError", "Error:")):
            return line.strip()[:200]
    return ""


def _failures(bench, adapter) -> str:
    if adapter.name != "django_resque" or bench.r.type("resque:failed") != b"list":
        return ""
    first = (bench.r.lindex("resque:failed", 0) or b"")[:300].decode(errors="replace")
    return f"; {bench.r.llen('resque:failed')} failed jobs, first: {first}"


def versions() -> dict[str, str | None]:
    return peers.versions(("django", "django-rq", "celery", "kombu", "dramatiq", "huey"))


if __name__ == "__main__":
    sys.exit("run the I/O workload with bench/run --io (see bench/README.md)")
