"""Stats: the Redis server (version, memory, clients, persistence) and our keys; one key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from django_resque.admin.base import ResqueAdmin
from django_resque.monitoring import server as monitor
from django_resque.results import stats

KEYS_SHOWN = 500


class StatsAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [("key/", self.key_view, "key")]

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

    def key_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        key = monitor.key_detail(request.GET.get("name", "")[:1000])
        if key is None:
            raise Http404("No such key under this namespace.")
        return self.render(
            request,
            "django_resque/admin/key_detail.html",
            f"Key {key.name}",
            crumb=key.name,
            key=key,
            shown=monitor.ITEMS_SHOWN,
        )
