"""Workers: every registered worker grouped by host, stale ones flagged; one worker in detail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from django_resque.admin.base import ResqueAdmin
from django_resque.admin.display import host_groups, in_flight, worker_row
from django_resque.admin.pagination import paginate
from django_resque.monitoring import workers as worker_registry


class WorkerAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [("detail/", self.detail_view, "detail")]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        workers = worker_registry.all()  # sorted by id, so by host first
        page, page_range = paginate(
            request,
            len(workers),
            lambda start, n: [worker_row(w) for w in workers[start : start + n]],
        )
        return self.render(
            request,
            "django_resque/admin/workers.html",
            "Workers",
            page=page,
            page_range=page_range,
            groups=host_groups(page.object_list, workers),
            hosts=len({w.host for w in workers}),
            stale=sum(w.is_stale for w in workers),
        )

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        worker = worker_registry.get(request.GET.get("id", ""))
        if worker is None:
            raise Http404("No such worker.")
        return self.render(
            request,
            "django_resque/admin/worker_detail.html",
            f"Worker {worker.id}",
            crumb=worker.id,
            worker=worker,
            job=in_flight(worker.job),
        )
