"""Jobs with limits beside the same no-op job without, one worker, side by side.

Starts a private redis-server and, for fork mode and --no-fork, runs one `resque_work` over N
no-op jobs of each kind (djbench's `bench.noop` and djbench/limit_jobs.py), the kinds taking
turns (the order rotates every repetition), and prints jobs/s and each kind ÷ plain:

    plain        no limits
    concurrency  concurrency=1000 (never reached)
    unique       unique="until_executed", a distinct argument per call (every enqueue locks)
    rate         rate_limit="1000000/s" (never reached)
    plain@<rev>  with --before DIR: the plain job on that checkout's django_resque (same
                 djbench project, same Redis), to compare with the code before the limits

Each run's jobs are enqueued with `.delay()` per call by a separate process running the run's
checkout, which times that loop (the enqueue figures). The worker's jobs/s is read from the
outside: the bench polls `stat:processed` every 5 ms from the moment the worker starts, and
takes (count at the end − count at the first poll that saw one) ÷ the time between, so the
worker's boot is left out; the worker tree's CPU (psutil: its own, reaped children's and live
descendants') and redis-server's (INFO cpu) are read at the same two polls, per job. A warm-up
run of each kind (50 jobs) goes first, uncounted. Then, as a different scenario, `--count 2
--no-fork` over plain jobs and over `concurrency=1` jobs (the limit reached: payloads go round
its waiting list).
Last, INFO commandstats per job, the worker's and `.delay()`'s, for each kind (an empty run's
commands subtracted).

    .venv/bin/python bench/limits.py [--jobs N] [--reps R] [--before DIR] [--only K,..]

N (default 3000) is the --no-fork run's; fork mode runs N/5.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
JOBS = {
    "plain": "noop",
    "concurrency": "noop_concurrency",
    "unique": "noop_unique",
    "rate": "noop_rate",
    "concurrency=1": "noop_one",
}
POLL = 0.005


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=3000, help="jobs per --no-fork run")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--before", help="a checkout to run the plain job on as well")
    parser.add_argument("--only", help="kinds to run, comma-separated (plain is always run)")
    parser.add_argument("--no-scenario", action="store_true", help="skip the --count 2 runs")
    parser.add_argument("--commands-only", action="store_true", help="only the commands per job")
    parser.add_argument("--enqueue", nargs=2, help=argparse.SUPPRESS)  # the enqueue process
    args = parser.parse_args()
    if args.enqueue:
        enqueue_child(args.enqueue[0], int(args.enqueue[1]))
        return
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    from private_redis import RedisServer

    roots = dict.fromkeys(["plain", "concurrency", "unique", "rate"], ROOT)
    if args.only:
        roots = {k: ROOT for k in ["plain", *args.only.split(",")] if k in roots}
    if args.before:
        before = Path(args.before).resolve()
        rev = _git(before, "rev-parse", "--short", "HEAD")
        roots[f"plain@{rev}"] = before
        print(f"plain@{rev}: django_resque from {_module_file(before)}")
    print(f"this checkout: {_git(ROOT, 'rev-parse', '--short', 'HEAD')}, {_module_file(ROOT)}")
    server = RedisServer().start()
    os.environ["BENCH_REDIS_URL"] = server.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "djbench.settings"
    sys.path.insert(0, str(BENCH))
    try:
        import django

        django.setup()
        _load("start")
        for mode in [] if args.commands_only else ([], ["--no-fork"]):
            throughput(roots, args.jobs if mode else max(args.jobs // 5, 100), args.reps, mode)
        if not (args.no_scenario or args.commands_only):
            reached(args.jobs, args.reps)
        commands(roots, 1000, args.reps)
        _load("end")
    finally:
        server.stop()


def throughput(roots: dict[str, Path], count: int, reps: int, mode: list[str]) -> None:
    kinds = list(roots)
    runs: dict[str, list[Run]] = {k: [] for k in kinds}
    enq: dict[str, list[float]] = {k: [] for k in kinds}
    for kind in kinds:  # warm-up, not counted: scripts loaded, files in the page cache
        _flush()
        _enqueue(roots[kind], JOBS[kind.split("@")[0]], 50)
        _work(roots[kind], 50, mode, burst=True)
    for rep in range(reps):
        for kind in kinds[rep % len(kinds) :] + kinds[: rep % len(kinds)]:
            _flush()
            enq[kind].append(count / _enqueue(roots[kind], JOBS[kind.split("@")[0]], count))
            runs[kind].append(_work(roots[kind], count, mode))
    label = " ".join(mode) or "fork"
    print(
        f"\n{label}: N={count} per run, median of {reps} [min–max]; ÷ plain: each rep's ratio "
        f"to plain, median [min–max]; CPU ms per job; load {_loadavg()}"
    )
    _table(runs, enq)


def reached(count: int, reps: int) -> None:
    """Two workers on one queue: plain jobs, then jobs whose concurrency=1 limit is reached."""
    kinds = ["plain", "concurrency=1"]
    runs: dict[str, list[Run]] = {k: [] for k in kinds}
    for rep in range(reps):
        for kind in kinds if rep % 2 == 0 else kinds[::-1]:
            _flush()
            _enqueue(ROOT, JOBS[kind], count)
            runs[kind].append(_work(ROOT, count, ["--no-fork", "--count", "2"]))
    print(
        f"\nA different scenario, the limit reached: --count 2 --no-fork, N={count}, median of "
        f"{reps}; load {_loadavg()}"
    )
    _table(runs, None)


def _table(runs: dict[str, list[Run]], enq: dict[str, list[float]] | None) -> None:
    head = f"{'worker jobs/s':>22s} {'÷ plain':>17s} {'worker CPU':>10s} {'Redis CPU':>10s}"
    if enq is not None:
        head += f" {'.delay() /s':>22s} {'÷ plain':>17s}"
    print(f"  {'kind':16s} {head}")
    rates = {k: [r.rate for r in v] for k, v in runs.items()}
    for kind, kind_runs in runs.items():
        line = (
            f"  {kind:16s} {_spread(rates[kind]):>22s} "
            f"{_spread(_paired(rates[kind], rates['plain']), 2):>17s} "
            f"{statistics.median(r.worker_cpu for r in kind_runs) * 1e3:10.3f} "
            f"{statistics.median(r.redis_cpu for r in kind_runs) * 1e3:10.3f}"
        )
        if enq is not None:
            line += (
                f" {_spread(enq[kind]):>22s} {_spread(_paired(enq[kind], enq['plain']), 2):>17s}"
            )
        print(line)


def commands(roots: dict[str, Path], count: int, rounds: int = 3) -> None:
    """INFO commandstats per job and per .delay(), an empty run's commands subtracted."""
    kinds = list(roots)
    empty = {kind: _counted(roots[kind], kind, 0) for kind in kinds}
    runs: dict[str, list[tuple[Calls, Calls]]] = {k: [] for k in kinds}
    for n in range(rounds):
        for kind in kinds[n % len(kinds) :] + kinds[: n % len(kinds)]:
            runs[kind].append(_counted(roots[kind], kind, count))
    print(
        f"\nRedis commands per job (INFO commandstats over {count} jobs, --no-fork; µs: server "
        f"time in EVALSHA per job, scripts' own commands included, median of {rounds})"
    )
    head = (
        f"{'worker: all':>12s} {'EVALSHA':>8s} {'µs':>16s} {'.delay(): all':>14s} {'EVALSHA':>8s}"
    )
    print(f"  {'kind':16s} {head}")
    for kind in kinds:
        (e0, w0), (e1, w1) = empty[kind], runs[kind][0]
        usec = [(w.usec - w0.usec) / count for _, w in runs[kind]]
        print(
            f"  {kind:16s} {(w1.all - w0.all) / count:12.2f} "
            f"{(w1.evalsha - w0.evalsha) / count:8.2f} {_spread(usec, 1):>16s} "
            f"{(e1.all - e0.all) / count:14.2f} {(e1.evalsha - e0.evalsha) / count:8.2f}"
        )


@dataclass
class Calls:
    all: int  # every command but INFO
    evalsha: int
    usec: int  # server time in EVALSHA


def _counted(root: Path, kind: str, count: int) -> tuple[Calls, Calls]:
    """The commands of `count` .delay() calls, then of a --no-fork burst worker over them."""
    from django_resque.storage.connection import get_redis

    client = get_redis()
    _flush()
    client.config_resetstat()
    _enqueue(root, JOBS[kind.split("@")[0]], count)
    enqueued = _calls(client)
    client.config_resetstat()
    _work(root, count, ["--no-fork"], burst=True)
    return enqueued, _calls(client)


def enqueue_child(name: str, count: int) -> None:
    """In its own process (the run's checkout): `.delay(i)` count times; print the seconds."""
    import django

    django.setup()
    from djbench import jobs

    module = jobs if hasattr(jobs, name) else jobs.limit_jobs
    if module is None:
        sys.exit(f"{name}: {jobs.LIMITS_REFUSED}")
    func = getattr(module, name)
    started = time.perf_counter()
    for i in range(count):
        func.delay(i)
    print(json.dumps(time.perf_counter() - started))


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(BENCH)])}


def _enqueue(root: Path, name: str, count: int) -> float:
    done = subprocess.run(
        [sys.executable, str(BENCH / "limits.py"), "--enqueue", name, str(count)],
        cwd=root,
        env=_env(root),
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout) or 1e-9


@dataclass
class Run:
    rate: float  # jobs/s between the first poll that saw a job done and the last job
    worker_cpu: float  # s per job over the same stretch, the worker's process tree
    redis_cpu: float  # s per job, redis-server (the bench's polls included)


def _work(root: Path, count: int, mode: list[str], *, burst: bool = False) -> Run:
    """Run a worker until `count` jobs are processed, timed between the first and the last."""
    from django_resque.storage.connection import get_redis
    from django_resque.storage.keys import get_keys

    client, key = get_redis(), get_keys().stat("processed")
    cmd = [sys.executable, "-m", "django", "resque_work", "-q", "bench", *mode]
    worker = subprocess.Popen(
        cmd + (["--burst"] if burst else []),
        cwd=root,
        env=_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if burst:
        _, err = worker.communicate(timeout=300)
        if worker.returncode:
            sys.exit(f"{' '.join(cmd)} exited {worker.returncode}: {err.decode()[-2000:]}")
        return Run(0.0, 0.0, 0.0)
    first = last = None
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and worker.poll() is None:
            done = int(client.get(key) or 0)
            if done and first is None or done >= count:
                point = (time.perf_counter(), done, _tree_cpu(worker.pid), _redis_cpu(client))
                if first is None:
                    first = point
                if done >= count:
                    last = point
                    break
            time.sleep(POLL)
    finally:
        worker.terminate()  # by its pid; a supervisor (--count) stops its own workers
        try:
            _, err = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            _, err = worker.communicate()
    if first is None or last is None:
        sys.exit(f"{' '.join(cmd)}: {count} jobs not done ({err.decode()[-2000:]})")
    jobs = last[1] - first[1]
    return Run(
        jobs / (last[0] - first[0]), (last[2] - first[2]) / jobs, (last[3] - first[3]) / jobs
    )


def _tree_cpu(pid: int) -> float:
    """User + system seconds of a process, its reaped children and its live descendants."""
    import psutil

    total = 0.0
    try:
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
    except psutil.NoSuchProcess:
        pass
    return total


def _redis_cpu(client) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _flush() -> None:
    from django_resque.storage.connection import get_redis

    get_redis().flushdb()


def _calls(client) -> Calls:
    stats = client.info("commandstats")
    total = sum(v["calls"] for k, v in stats.items() if k not in {"cmdstat_info"})
    evalsha = stats.get("cmdstat_evalsha", {})
    return Calls(total, evalsha.get("calls", 0), evalsha.get("usec", 0))


def _paired(values: list[float], base: list[float]) -> list[float]:
    return [v / b for v, b in zip(values, base, strict=True)]


def _spread(values: list[float], digits: int = 0) -> str:
    med, low, high = statistics.median(values), min(values), max(values)
    return f"{med:,.{digits}f} [{low:,.{digits}f}–{high:,.{digits}f}]"


def _loadavg() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _load(when: str) -> None:
    print(f"load average at the {when}: {_loadavg()} ({os.cpu_count()} CPUs)")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _module_file(root: Path) -> str:
    return subprocess.run(
        [sys.executable, "-c", "import django_resque; print(django_resque.__file__)"],
        cwd=root,
        env=_env(root),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


if __name__ == "__main__":
    main()
