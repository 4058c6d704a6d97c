"""The summary bench/run.py writes (summary-….md): absolute figures, round trips, and the
ratios to the peers measured in the same run (summary_ratios.py adds the Django peers', the fork
floor's and the I/O workload's)."""

from __future__ import annotations

import peers
import summary_ratios


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
