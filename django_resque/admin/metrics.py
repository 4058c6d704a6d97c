"""Metrics: each job's runs, failures and durations over a window, and each queue's waits.

The list is metrics.reads.job_table() sorted by `o` and paginated; a job's page is
metrics.reads.job_detail() drawn as a runs/failures chart and a duration heat map. Both take a
`window` (1h, 8h, 24h, 3d); anything else in `window` or `o` falls back to the default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from django_resque.admin import sorting
from django_resque.admin.base import ResqueAdmin
from django_resque.admin.chart import line_chart
from django_resque.admin.display import text
from django_resque.admin.heatmap import heat_map
from django_resque.admin.metrics_table import (
    COLUMNS,
    DEFAULT_ORDER,
    NAME_CHARS,
    job_line,
    time_format,
    wait_line,
    window_label,
    window_of,
)
from django_resque.admin.pagination import paginate
from django_resque.metrics import reads
from django_resque.results.timeline import Point

QUEUES_SHOWN = 50
NAME_LIMIT = 1000  # a job name longer than this is not looked up: no job has one


class MetricsAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [("detail/", self.detail_view, "detail")]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        window = window_of(request.GET.get("window"))
        ordering = sorting.parse(request.GET.get("o"), len(COLUMNS), DEFAULT_ORDER)
        rows = sorting.sort(reads.job_table(window), COLUMNS, ordering)
        page, page_range = paginate(
            request, len(rows), lambda start, n: [job_line(r) for r in rows[start : start + n]]
        )
        waits = reads.queue_waits(window)  # sorted by queue name
        return self.render(
            request,
            "django_resque/admin/metrics.html",
            "Metrics",
            **self.windows(window),
            headers=sorting.headers(COLUMNS, ordering),
            sorted_fields=len(ordering),
            page=page,
            page_range=page_range,
            waits=[wait_line(w) for w in waits[:QUEUES_SHOWN]],
            more_waits=max(len(waits) - QUEUES_SHOWN, 0),
        )

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        window = window_of(request.GET.get("window"))
        name = request.GET.get("name", "")
        detail = reads.job_detail(name, window) if 0 < len(name) <= NAME_LIMIT else None
        ran = detail is not None and (any(detail.runs) or any(detail.failures))
        context = charts(detail) if detail is not None and ran else {}
        shown = text(name, NAME_CHARS)
        return self.render(
            request,
            "django_resque/admin/metrics_detail.html",
            f"Job {shown}",
            crumb=shown,
            name=name,
            shown=shown,
            chart_label=f"Runs and failures of {shown} over the last {window_label(window)}",
            ran=ran,
            **self.windows(window),
            **context,
        )

    def windows(self, window: str) -> dict[str, Any]:
        """The window chosen and the windows to choose from, as the pages link them."""
        return {
            "window": window,
            "window_label": window_label(window),
            "window_choices": [(key, window_label(key)) for key in reads.WINDOWS],
        }


def charts(detail: reads.JobDetail) -> dict[str, Any]:
    """A job's runs/failures chart and its duration heat map, over the same time labels."""
    fmt = time_format(detail.times)
    points = [
        Point(t, runs, failures)
        for t, runs, failures in zip(detail.times, detail.runs, detail.failures, strict=False)
    ]
    return {"chart": line_chart(points, fmt), "heat": heat_map(detail.times, detail.heat, fmt)}
