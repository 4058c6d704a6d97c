"""Overview: queues, workers at work, totals and jobs per minute, on one page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from django_resque.admin.base import ResqueAdmin
from django_resque.admin.chart import line_chart
from django_resque.admin.display import worker_row
from django_resque.admin.pagination import clamp_int
from django_resque.failures import registry as failures
from django_resque.groups import browse as groups
from django_resque.monitoring import workers as worker_registry
from django_resque.queues import lists as queues
from django_resque.results import stats, timeline

QUEUES_SHOWN = 50
WORKERS_SHOWN = 50
GROUPS_SHOWN = 5


class OverviewAdmin(ResqueAdmin):
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        hours = clamp_int(request.GET.get("hours"), 3, 1, 24)
        refresh = clamp_int(request.GET.get("refresh"), 0, 0, 300)
        names = queues.names()
        workers = worker_registry.all()
        busy = [w for w in workers if w.job is not None]
        return self.render(
            request,
            "django_resque/admin/overview.html",
            "Resque overview",
            queues=queues.describe(names[:QUEUES_SHOWN]),
            more_queues=max(len(names) - QUEUES_SHOWN, 0),
            busy=[worker_row(w) for w in busy[:WORKERS_SHOWN]],
            worker_count=len(workers),
            working=len(busy),
            totals=stats.totals(),
            failed_now=failures.count(),
            groups=groups.page(0, GROUPS_SHOWN),
            group_count=groups.count(),
            chart=line_chart(timeline.series(hours * 60)),
            hours=hours,
            hour_choices=(1, 3, 6, 12, 24),
            refresh=max(refresh, 2) if refresh else 0,
        )
