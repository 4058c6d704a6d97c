"""The Overview's chart: per-minute counts as SVG polylines, computed here so no script runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from django_resque.results.timeline import Point

WIDTH, HEIGHT = 720, 160


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    processed: str  # SVG polyline points
    failed: str
    peak: int
    ticks: list[tuple[float, str]]  # x position, HH:MM label in the current time zone
    total_processed: int
    total_failed: int


def line_chart(points: list[Point], label: str = "%H:%M") -> Chart:
    """Scale the series to the chart box; the y axis tops out at the busiest minute.

    `label` is the strftime format of the time axis's ticks.
    """
    peak = max([1, *(p.processed for p in points), *(p.failed for p in points)])
    step = WIDTH / max(len(points) - 1, 1)

    def line(values: list[int]) -> str:
        return " ".join(
            f"{i * step:.1f},{HEIGHT - v * HEIGHT / peak:.1f}" for i, v in enumerate(values)
        )

    every = max(len(points) // 6, 1)
    ticks = [
        (i * step, timezone.localtime(p.minute).strftime(label))
        for i, p in enumerate(points)
        if i % every == 0
    ]
    return Chart(
        WIDTH,
        HEIGHT,
        line([p.processed for p in points]),
        line([p.failed for p in points]),
        peak,
        ticks,
        sum(p.processed for p in points),
        sum(p.failed for p in points),
    )
