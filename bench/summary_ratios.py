"""The summary's ratio rows beside the Django peers, the fork+exit floor and the I/O workload.

bench/run.py's summary() calls these: fork_rows() adds rows to its targets table, io_lines()
prints the I/O workload's table and ratios, skip_lines() lists what was left out and why.
"""

from __future__ import annotations

from collections.abc import Callable

import peers
from io_workload import IDEAL

Row = tuple[str, float | None, float | None, str, float | None]
IO_PEERS = ("celery-io-threads16", "dramatiq-io-1p16t", "huey-io-16threads")


def render(rows: list[Row]) -> list[str]:
    """Rows as `| figure | django_resque | peer | ratio | target | met |` lines."""
    lines = []
    for label, ours, theirs, op, goal in rows:
        ratio = ours / theirs if ours and theirs else None
        if ratio is None or goal is None:
            met = "—"
        else:
            met = "yes" if (ratio >= goal if op == ">=" else ratio <= goal) else "NO"
        target = "—" if goal is None else f"{op} {goal:g}"
        lines.append(
            f"| {label} | {peers.fmt(ours, 2)} | {peers.fmt(theirs, 2)} | "
            f"{peers.fmt(ratio, 2)} | {target} | {met} |"
        )
    return lines


def fork_rows(doc: dict, get: Callable[[str, str], float | None]) -> list[Row]:
    """Fork mode beside django-rq's rqworker and beside a bare fork + exit of a worker process."""
    floor = (doc.get("fork_floor") or {}).get("floor_jobs_per_s")
    fork = get("process:dres-fork-1p", "steady_jobs_per_s")
    return [
        (
            "fork 1p steady jobs/s ÷ django-rq-fork-1p",
            fork,
            get("process:django-rq-fork-1p", "steady_jobs_per_s"),
            ">=",
            5.0,
        ),
        (
            "fork 1p steady jobs/s ÷ fork+exit floor (1 / fork+exit s, hotpath.py)",
            fork,
            floor,
            ">=",
            None,
        ),
        (
            "pickup p50 fork ÷ django-rq-fork-1p",
            get("latency:dres-fork-1p", "p50_ms"),
            get("latency:django-rq-fork-1p", "p50_ms"),
            "<=",
            0.3,
        ),
        (
            "PSS fork worker+child ÷ django-rq-fork-1p",
            get("process:dres-fork-1p", "peak_tree_pss_mb"),
            get("process:django-rq-fork-1p", "peak_tree_pss_mb"),
            "<=",
            1.0,
        ),
        (
            "no-fork 1p steady ÷ celery-dj-prefork-c1",
            get("process:dres-nofork-1p", "steady_jobs_per_s"),
            get("process:celery-dj-prefork-c1", "steady_jobs_per_s"),
            ">=",
            None,
        ),
    ]


def io_lines(doc: dict) -> list[str]:
    runs_by = doc.get("io") or {}
    if not runs_by:
        return []

    def get(name: str, key: str) -> float | None:
        return peers.med(runs_by.get(name, []), key)[0]

    notes = doc.get("io_notes", {})
    lines = [
        "",
        f"### I/O-bound workload: {doc.get('io_jobs')} jobs × 50 ms socket wait, concurrency 16\n",
        f"Ideal: 16 / 50 ms = {IDEAL:g} jobs/s. jobs/s = (N−1)/(t_last − t_first) over "
        "completions; max waiting = most requests the server held at once; PSS/RSS = peak of "
        "the worker tree (parent + children), sampled every 50 ms.\n",
        "| config | jobs/s [min–max] | ÷ ideal | max waiting | CPU ms/job | boot s | "
        "peak PSS/tree MB | peak RSS/tree MB | procs | ok | worker |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, runs in runs_by.items():
        skipped = next((r["skipped"] for r in runs if r.get("skipped")), "")
        if skipped:
            lines.append(f"| {name} | skipped: {skipped} | | | | | | | | | {notes.get(name, '')} |")
            continue
        jps = get(name, "steady_jobs_per_s")
        ok = sum(1 for r in runs if r.get("ok"))
        cells = [
            f"{peers.fmt(jps)}{peers.spread(runs, 'steady_jobs_per_s')}",
            peers.fmt(jps / IDEAL if jps else None, 2),
            peers.fmt(get(name, "max_waiting")),
            peers.fmt(get(name, "worker_cpu_ms_per_job"), 2),
            peers.fmt(get(name, "boot_s"), 2),
            peers.fmt(get(name, "peak_tree_pss_mb"), 1),
            peers.fmt(get(name, "peak_tree_rss_mb"), 1),
            peers.fmt(get(name, "max_procs")),
            f"{ok}/{len(runs)}",
            notes.get(name, ""),
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    errors = [
        f"- {n} rep{i}: {r['error']}"
        for n, rs in runs_by.items()
        for i, r in enumerate(rs)
        if r.get("error")
    ]
    if errors:
        lines += ["", "Failures:", *errors]
    lines += [
        "",
        "| figure | django_resque | peer | ratio | target | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    best = max(
        ((get(p, "steady_jobs_per_s"), p) for p in IO_PEERS if get(p, "steady_jobs_per_s")),
        default=(None, "none measured"),
    )
    t16 = get("dres-io-threads16", "steady_jobs_per_s")
    pss = get("dres-io-threads16", "peak_tree_pss_mb")
    rows: list[Row] = [
        (
            f"dres-io-threads16 jobs/s ÷ best of celery/dramatiq/huey threads ({best[1]})",
            t16,
            best[0],
            ">=",
            None,
        ),
        (f"dres-io-threads16 jobs/s ÷ ideal {IDEAL:g}", t16, IDEAL, ">=", None),
        (
            f"dres-io-threads16-nofork jobs/s ÷ ideal {IDEAL:g}",
            get("dres-io-threads16-nofork", "steady_jobs_per_s"),
            IDEAL,
            ">=",
            None,
        ),
        (
            f"dres-io-async16 jobs/s ÷ ideal {IDEAL:g}",
            get("dres-io-async16", "steady_jobs_per_s"),
            IDEAL,
            ">=",
            None,
        ),
        (
            "dres-io-threads16 PSS ÷ dres-io-count16 PSS",
            pss,
            get("dres-io-count16", "peak_tree_pss_mb"),
            "<=",
            0.25,
        ),
        (
            "dres-io-threads16 PSS ÷ celery-io-threads16 PSS",
            pss,
            get("celery-io-threads16", "peak_tree_pss_mb"),
            "<=",
            None,
        ),
    ]
    return lines + render(rows)


def skip_lines(doc: dict) -> list[str]:
    left_out = doc.get("unavailable") or {}
    if not left_out:
        return []
    return ["", "### Left out\n", *(f"- {name}: {why}" for name, why in left_out.items())]
