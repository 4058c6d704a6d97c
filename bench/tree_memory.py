#!/usr/bin/env python
"""A fork-mode worker tree's memory, read with every process of the tree stopped.

bench/run's memory figure is the peak of the tree's PSS sampled every 50 ms: the sampler reads
one process after another while the tree forks and reaps a child every few milliseconds, and a
shared page's PSS share moves with the number of processes mapping it at the moment each is
read. This script reads the same tree both ways while it works through a backlog of no-op jobs:
  sampled -- as bench/run does: the PSS of each process of the tree, summed, every 50 ms;
  frozen  -- every process of the tree SIGSTOPped (the forking ones first, then whatever they
             forked meanwhile), the PSS and USS of each read, then all SIGCONTinued.
For each system it prints the frozen tree PSS (median [min–max]), the number of processes, the
median USS of each kind of process (by process title) and the sampled PSS's spread.
usage: bench/.venv/bin/python bench/tree_memory.py [--snapshots K]
                                                  [--systems dres,dres-atpickup,django-rq]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "scripts")]

import psutil  # noqa: E402
import redis  # noqa: E402
from private_redis import RedisServer  # noqa: E402

MB = 1 / 2**20
BACKLOG = 20_000  # more jobs than a worker does while the snapshots are taken


@dataclass
class System:
    name: str
    settings: str
    enqueue: str  # Python run in a subprocess to fill the queue
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


_DRES_ENQUEUE = f"""
import django; django.setup()
from djbench import jobs
jobs.count.enqueue_many([(i,) for i in range({BACKLOG})])
"""
_RQ_ENQUEUE = f"""
import os, redis
from rq import Queue
from djpeers import jobs
queue = Queue("bench", connection=redis.Redis.from_url(os.environ["BENCH_REDIS_URL"]))
queue.enqueue_many([Queue.prepare_data(jobs.count, (i,)) for i in range({BACKLOG // 5})])
"""
_RESQUE_WORK = [sys.executable, "-m", "django", "resque_work", "--queues", "bench"]
SYSTEMS = {
    "dres": System("dres", "djbench.settings", _DRES_ENQUEUE, _RESQUE_WORK),
    "dres-atpickup": System(
        "dres-atpickup",
        "djbench.settings",
        _DRES_ENQUEUE,
        _RESQUE_WORK,
        {"BENCH_FORK_AHEAD": "0"},
    ),
    "django-rq": System(
        "django-rq",
        "djpeers.settings_rq",
        _RQ_ENQUEUE,
        [sys.executable, "-m", "django", "rqworker", "--verbosity", "0", "bench"],
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--snapshots", type=int, default=15)
    parser.add_argument("--systems", default="dres,dres-atpickup,django-rq")
    args = parser.parse_args()
    server = RedisServer().start()
    try:
        for name in args.systems.split(","):
            redis.Redis.from_url(server.url).flushall()
            measure(SYSTEMS[name], server.url, args.snapshots)
    finally:
        server.stop()


def measure(system: System, url: str, snapshots: int) -> None:
    env = dict(os.environ, BENCH_REDIS_URL=url, DJANGO_SETTINGS_MODULE=system.settings)
    env.update(system.env)
    subprocess.run([sys.executable, "-c", system.enqueue], env=env, cwd=HERE, check=True)
    worker = subprocess.Popen(
        system.argv, env=env, cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(2.0)  # past start-up, into the steady loop
        sampled, frozen, counts = [], [], []
        uss: dict[str, list[float]] = defaultdict(list)
        for _ in range(snapshots):
            for _ in range(4):
                sampled.append(_pss(_tree(worker.pid)))
                time.sleep(0.05)
            frozen_pss, per_process = _frozen(worker.pid)
            frozen.append(frozen_pss)
            counts.append(len(per_process))
            for kind, value in per_process:
                uss[kind].append(value)
    finally:
        _stop(worker)
    print(f"{system.name}: frozen tree PSS {_spread(frozen)} MB, processes {_spread(counts, 0)}")
    for kind, values in sorted(uss.items()):
        median = statistics.median(values)
        print(f"    {kind:40s} USS median {median:5.1f} MB  ({len(values)} seen)")
    print(f"    sampled tree PSS (as bench/run) {_spread(sampled)} MB over {len(sampled)} samples")


def _frozen(root: int) -> tuple[float, list[tuple[str, float]]]:
    stopped: list[int] = []
    try:
        for _ in range(3):  # the forking processes first, then what they forked meanwhile
            for proc in _tree(root):
                if proc.pid not in stopped:
                    _signal(proc.pid, signal.SIGSTOP)
                    stopped.append(proc.pid)
            time.sleep(0.005)
        time.sleep(0.02)  # a stop takes effect once the process is scheduled
        total, per_process = 0.0, []
        for proc in _tree(root):
            try:
                info = proc.memory_full_info()
                kind = "worker" if proc.pid == root else _kind(" ".join(proc.cmdline()))
            except psutil.Error:
                continue
            total += info.pss * MB
            per_process.append((kind, info.uss * MB))
        return total, per_process
    finally:
        for pid in stopped:
            _signal(pid, signal.SIGCONT)


def _kind(title: str) -> str:
    """What a child of the worker is, from its process title without names, pids and times."""
    title = re.sub(r"^(resque-[\d.]+|rq:worker:\w+): ", "", title.strip())
    return re.sub(r"\d[\d:.\- ]*", "… ", title).strip()[:40] or "(exiting)"


def _tree(root: int) -> list[psutil.Process]:
    try:
        proc = psutil.Process(root)
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


def _pss(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_full_info().pss * MB
    return total


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _stop(worker: subprocess.Popen) -> None:
    """Stop the worker as an operator would (TERM), killing it if it does not exit in time."""
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _spread(values: list[float], digits: int = 1) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"[{min(values):.{digits}f}–{max(values):.{digits}f}]"
    )


if __name__ == "__main__":
    main()
