"""A job's duration heat map: buckets up, time across, darker where more runs fell.

Computed here as SVG rectangles, so no script runs and the page's CSP holds (the colour is the
`fill-opacity` attribute, not a style). The work is bounded: adjacent time steps are merged
until at most MAX_COLUMNS remain, only the buckets between the shortest and the longest run
are drawn, and an empty cell is no element at all. Each cell has a title with its count, the
bucket's bounds and its time span, which browsers show on hover and screen readers read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django_resque.admin.metrics_table import local
from django_resque.metrics import buckets

WIDTH = 720
ROW_HEIGHT = 14
MAX_COLUMNS = 120
LOWEST_OPACITY = 0.15  # a cell with one run must still show


@dataclass(frozen=True, slots=True)
class Cell:
    x: float
    y: int
    width: float
    opacity: float
    title: str
    bucket: int
    count: int


@dataclass(frozen=True, slots=True)
class HeatMap:
    width: int
    height: int
    row_height: int
    cells: list[Cell]
    rows: list[tuple[int, str]]  # y of a row's middle, its bucket's upper bound
    ticks: list[tuple[float, str]]  # x, time label
    peak: int  # the most runs in one cell
    steps_per_column: int


def bound(ms: int) -> str:
    """Say a bucket's bound exactly: `750 ms`, `5.75 s`, `335 s`."""
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:g} s"


def bucket_range(index: int) -> str:
    """Say which durations a bucket holds: `45 ms–65 ms`, `up to 20 ms`, `over 335 s`."""
    upper = buckets.upper_bound_ms(index)
    if index == 0:
        return f"up to {bound(buckets.BOUNDS_MS[0])}"
    lower = bound(buckets.BOUNDS_MS[index - 1])
    return f"over {lower}" if upper is None else f"{lower}–{bound(upper)}"


def merged(heat: Sequence[Sequence[int]], per: int) -> list[list[int]]:
    """Add up every `per` adjacent time steps, bucket by bucket (COUNT buckets each)."""
    columns = []
    for start in range(0, len(heat), per):
        column = [0] * buckets.COUNT
        for step in heat[start : start + per]:
            for index, count in enumerate(step[: buckets.COUNT]):
                column[index] += max(int(count), 0)
        columns.append(column)
    return columns


def heat_map(times: Sequence[datetime], heat: Sequence[Sequence[int]], fmt: str) -> HeatMap:
    """Lay out the counts heat[t][bucket] over the time steps `times`."""
    per = max(math.ceil(len(heat) / MAX_COLUMNS), 1)
    columns = merged(heat, per)
    used = [i for i in range(buckets.COUNT) if any(column[i] for column in columns)]
    low, high = (used[0], used[-1]) if used else (0, 0)
    shown = list(range(high, low - 1, -1))  # longest durations at the top
    width = WIDTH / max(len(columns), 1)
    peak = max([1, *(count for column in columns for count in column)])
    starts = list(times[::per])
    span = (times[1] - times[0] if len(times) > 1 else timedelta(minutes=1)) * per
    cells = [
        Cell(
            x=round(c * width, 1),
            y=r * ROW_HEIGHT,
            width=round(width, 1),
            opacity=_opacity(columns[c][index], peak),
            title=_title(columns[c][index], index, starts[c] if c < len(starts) else None, span),
            bucket=index,
            count=columns[c][index],
        )
        for c in range(len(columns))
        for r, index in enumerate(shown)
        if columns[c][index]
    ]
    every = max(len(columns) // 6, 1)
    return HeatMap(
        width=WIDTH,
        height=len(shown) * ROW_HEIGHT,
        row_height=ROW_HEIGHT,
        cells=cells,
        rows=[(r * ROW_HEIGHT + ROW_HEIGHT // 2, _bound(index)) for r, index in enumerate(shown)],
        ticks=[
            (round(c * width, 1), local(starts[c], fmt))
            for c in range(0, min(len(starts), len(columns)), every)
        ],
        peak=peak,
        steps_per_column=per,
    )


def _opacity(count: int, peak: int) -> float:
    """Scale logarithmically, so a busy minute does not wash out a quiet one."""
    share = math.log1p(count) / math.log1p(peak)
    return round(LOWEST_OPACITY + (1 - LOWEST_OPACITY) * share, 3)


def _bound(index: int) -> str:
    upper = buckets.upper_bound_ms(index)
    return f"> {bound(buckets.BOUNDS_MS[-1])}" if upper is None else f"≤ {bound(upper)}"


def _title(count: int, index: int, start: datetime | None, span: timedelta) -> str:
    runs = "1 run" if count == 1 else f"{count} runs"
    if start is None:
        return f"{runs} of {bucket_range(index)}"
    when = local(start, "%Y-%m-%d %H:%M")
    if span <= timedelta(minutes=1):
        return f"{runs} of {bucket_range(index)} at {when}"
    return f"{runs} of {bucket_range(index)} from {when} to {local(start + span, '%H:%M')}"
