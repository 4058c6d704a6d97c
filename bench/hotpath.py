#!/usr/bin/env python
"""Profiles behind the notes in bench/README.md: where each missed target's time goes.

Starts a private redis-server and, in this one process, measures:
  enqueue  -- server time per call (INFO commandstats) of enqueue.lua vs a plain RPUSH, and the
              Python cost of .delay() with Redis taken out;
  no-fork  -- a Worker(fork=False) in burst mode over N jobs under cProfile, own time grouped
              by where it is spent (socket waits, redis-py, django_resque, json);
  fork     -- CPU per job (parent and children) of a bare fork+exit, of fork + the child
              set-up, and of the worker's two fork paths (at pickup and ahead);
  memory   -- RSS/USS of this process after each import stage of a worker.
usage: bench/.venv/bin/python bench/hotpath.py [N]
       bench/.venv/bin/python bench/hotpath.py --fork-floor [N]
  --fork-floor: only the bare fork + _exit of a worker process (Django, django_resque and the
  worker modules loaded, gc.freeze(), heap in huge pages unless BENCH_HUGE_PAGES=0, as a worker
  starts), N forks in 5 batches; prints one JSON line with the median wall ms per fork (bench/run
  takes the fork-mode floor from it: jobs/s = 1 / that time). Needs no Redis.
"""

from __future__ import annotations

import collections
import cProfile
import gc
import json
import os
import pstats
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "scripts")]

import psutil  # noqa: E402
from private_redis import RedisServer  # noqa: E402

MB = 1 / 2**20


def memory(label: str) -> None:
    info = psutil.Process().memory_full_info()
    print(f"  {label:44s} RSS {info.rss * MB:5.1f} MB  USS {info.uss * MB:5.1f} MB")


def main() -> None:
    if sys.argv[1:2] == ["--fork-floor"]:
        fork_floor(int(sys.argv[2]) if len(sys.argv) > 2 else 500)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print("memory of a worker process, by import stage")
    memory("python + psutil")
    import redis

    memory("+ redis-py (+ hiredis)")
    server = RedisServer().start()
    os.environ["BENCH_REDIS_URL"] = server.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "djbench.settings"
    try:
        import django

        django.setup()
        memory("+ django.setup() (django_resque, djbench)")
        from django.core.management import load_command_class

        load_command_class("django_resque", "resque_work")
        import django_resque.worker.loop  # noqa: F401

        memory("+ resque_work command and worker modules")
        client = redis.Redis.from_url(server.url)
        enqueue_profile(client, n)
        nofork_profile(n)
        fork_profile(max(100, n // 100))
    finally:
        server.stop()


def enqueue_profile(client, n: int) -> None:
    from djbench import jobs

    from django_resque.results import status
    from django_resque.storage import scripts
    from django_resque.storage.keys import get_keys

    print("\nenqueue: server time per call (INFO commandstats), then Python time without Redis")
    client.config_resetstat()
    for i in range(n):
        jobs.count.delay(i)
    for i in range(n):
        client.rpush("rawq", json.dumps({"f": "count", "a": [i]}))
    stats = client.info("commandstats")
    for name in ("cmdstat_evalsha", "cmdstat_rpush", "cmdstat_sadd", "cmdstat_llen"):
        calls, per_call = stats[name]["calls"], stats[name]["usec_per_call"]
        print(f"  {name[8:]:10s} {calls:7d} calls {per_call:6.2f} us")
    client.flushdb()
    print("  wall time per call, one call at a time (best of 3 runs):")
    payload = jobs.count.payload((5,), {}).encode()
    keys = get_keys()
    sha = client.script_load(scripts.source("enqueue"))
    job_keys = [keys.queues(), keys.queue("bench"), keys.wake("bench")]
    cases = [
        ("raw RPUSH of a json.dumps payload", lambda i: client.rpush("rawq", payload)),
        (
            "enqueue.lua alone (payload + status hash)",
            lambda i: client.evalsha(
                sha,
                4,
                *job_keys,
                keys.job(str(i)),
                "bench",
                1000,
                "",
                keys.group_prefix(),
                "bench.count",
                status.now_iso(),
                payload,
            ),
        ),
        (".delay()", lambda i: jobs.count.delay(i)),
    ]
    for label, case in cases:
        best = min(_timed(case, n) for _ in range(3))
        print(f"    {label:44s} {best / n * 1e6:6.1f} us")
    client.flushdb()
    real = scripts.run
    scripts.run = lambda *a, **k: 1
    try:
        t = timeit.timeit(lambda: jobs.count.delay(5), number=n) / n * 1e6
        raw = timeit.timeit(lambda: json.dumps({"f": "count", "a": [5]}), number=n) / n * 1e6
    finally:
        scripts.run = real
    print(f"  .delay() without Redis: {t:.1f} us per call (raw floor's json.dumps: {raw:.1f} us)")


def _timed(case, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        case(i)
    return time.perf_counter() - started


def nofork_profile(n: int) -> None:
    from djbench import jobs

    from django_resque.worker.loop import Worker

    print(f"\nno-fork worker: {n} jobs in burst mode, cProfile own time per job")
    jobs.count.enqueue_many([(i,) for i in range(n)])
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(Worker(["bench"], fork=False, burst=True).work)
    wall = time.perf_counter() - started
    groups: collections.Counter[str] = collections.Counter()
    for (path, _, func), (_, _, own, _, _) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        groups[_group(path, func)] += own
    print(f"  {n / wall:,.0f} jobs/s under the profiler")
    for name, own in groups.most_common(8):
        print(f"  {name:40s} {own / n * 1e6:7.1f} us/job")


def _group(path: str, func: str) -> str:
    if "sendall" in func or "recv_into" in func:
        return "socket send/recv (waiting for Redis)"
    if "/redis/" in path:
        return "redis-py"
    if "django_resque" in path:
        return "django_resque"
    if "json" in path:
        return "json"
    if "peerjobs" in path:
        return "the job (peerjobs/common.py)"
    return "other"


def fork_profile(n: int) -> None:
    from djbench import jobs

    from django_resque.worker import fork, huge_pages, prefork

    raw = jobs.count.payload((1,), {}).encode().encode()
    gc.freeze()

    def become() -> None:
        pid = os.fork()
        if pid == 0:
            fork.become_child()
            os._exit(0)
        os.waitpid(pid, 0)

    cases = [
        ("fork + _exit", fork_exit),
        ("fork + child set-up (prctl, setpgid, signals)", become),
        ("perform_in_child (fork at pickup)", lambda: fork.perform_in_child(raw)),
        ("perform_in_spare (fork ahead)", lambda: prefork.perform_in_spare(raw, title="x")),
    ]
    print(f"\nfork: CPU per job over {n} forks of this process (parent + reaped children)")
    print("  heap in small pages (FORK_HUGE_PAGES = False)")
    _time_fork_cases(cases, n)
    collapsed = huge_pages.collapse_heap(fork.libc())
    print(f"  heap in huge pages, as a worker starts (collapsed {collapsed / 2**20:.0f} MiB)")
    _time_fork_cases(cases, n)
    prefork.discard_spare()
    fork_faults(raw)


def fork_exit() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def fork_floor(n: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "djbench.settings"
    import django

    django.setup()
    from django.core.management import load_command_class

    load_command_class("django_resque", "resque_work")
    from django_resque.conf import get_config
    from django_resque.worker import fork, huge_pages
    from django_resque.worker.loop import Worker  # noqa: F401

    gc.freeze()
    huge = bool(get_config()["FORK_HUGE_PAGES"])
    collapsed = huge_pages.collapse_heap(fork.libc()) if huge else 0
    for _ in range(20):  # warm-up
        fork_exit()
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(max(1, n // 5)):
            fork_exit()
        batches.append((time.perf_counter() - started) / max(1, n // 5) * 1e3)
    rss = psutil.Process().memory_info().rss * MB
    ms = sorted(batches)[2]
    print(json.dumps({"fork_exit_ms": round(ms, 3), "batches_ms": [round(b, 3) for b in batches],
                      "forks": 5 * max(1, n // 5), "huge_pages": huge,
                      "collapsed_mib": round(collapsed * MB, 1), "rss_mb": round(rss, 1),
                      "floor_jobs_per_s": round(1e3 / ms, 1)}))  # fmt: skip


def _time_fork_cases(cases: list[tuple[str, Callable[[], object]]], n: int) -> None:
    from django_resque.worker import fork

    for label, case in cases:
        before, started = os.times(), time.perf_counter()
        for _ in range(n):
            case()
        fork.reap_exiting(block=True)  # children whose report was taken before their exit
        after, wall = os.times(), time.perf_counter() - started
        parent = (after.user + after.system - before.user - before.system) / n * 1e3
        child = (
            (
                after.children_user
                + after.children_system
                - before.children_user
                - before.children_system
            )
            / n
            * 1e3
        )
        per_job = wall / n * 1e3
        print(
            f"  {label:48s} parent {parent:5.2f} ms  child {child:5.2f} ms  wall {per_job:5.2f} ms"
        )


def fork_faults(raw: bytes, jobs: int = 20) -> None:
    """Copy-on-write faults (ru_minflt) of a child forked ahead, before and after its hand-off."""
    import resource

    from django_resque.worker import fork, prefork

    def faults() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    real_perform, real_report = prefork.perform, fork.report

    def perform(payload: bytes):
        os.write(2, f"handoff {faults()}\n".encode())
        return real_perform(payload)

    def report(fd: int, outcome) -> None:
        real_report(fd, outcome)
        os.write(2, f"reported {faults()}\n".encode())

    prefork.perform, fork.report = perform, report
    read_end, write_end = os.pipe()
    saved_stderr = os.dup(2)
    os.dup2(write_end, 2)  # the children write their counts here
    parent = []
    try:
        for _ in range(jobs):
            before = faults()
            prefork.perform_in_spare(raw, title="x")
            parent.append(faults() - before)
            time.sleep(0.02)
        prefork.discard_spare()
        fork.reap_exiting(block=True)
    finally:
        os.dup2(saved_stderr, 2)
        os.close(write_end)
        prefork.perform, fork.report = real_perform, real_report
    lines = os.read(read_end, 1 << 20).decode().split()
    os.close(read_end)
    counts = [int(v) for v in lines[1::2]]
    pairs = list(zip(counts[0::2], counts[1::2], strict=False))[1:]  # skip the cold first child
    print(f"\nfork: copy-on-write faults per job (median of {len(pairs)} jobs, ru_minflt)")
    waiting, working = [h for h, _ in pairs], [r - h for h, r in pairs]
    print(f"  child, fork to hand-off (while it waits)     {_median(waiting):6.0f}")
    print(f"  child, hand-off to report (the job's path)   {_median(working):6.0f}")
    print(f"  parent, per job                              {_median(parent[1:]):6.0f}")


def _median(values: list[int]) -> float:
    values = sorted(values)
    return float(values[len(values) // 2]) if values else float("nan")


if __name__ == "__main__":
    main()
