"""Stats: the Redis server (version, memory, clients, persistence) and our keys, bounded."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from django_resque.admin.base import ResqueAdmin
from django_resque.monitoring import server as monitor
from django_resque.results import stats

KEYS_SHOWN = 500


class StatsAdmin(ResqueAdmin):
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        keys, complete = monitor.namespace_keys(limit=KEYS_SHOWN)
        return self.render(
            request,
            "django_resque/admin/stats.html",
            "Resque stats",
            server=monitor.server_info(),
            totals=stats.totals(),
            keys=keys,
            complete=complete,
            keys_shown=KEYS_SHOWN,
        )
