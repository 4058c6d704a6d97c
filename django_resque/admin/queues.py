"""Queues: every queue with its size; one queue's payloads; remove one, clear, pause, resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import urlencode

from django_resque.admin.base import ResqueAdmin, action
from django_resque.admin.display import queued_job
from django_resque.admin.pagination import clamp_int, paginate
from django_resque.queues import lists as queues


class QueueAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [
            ("detail/", self.detail_view, "detail"),
            ("remove-job/", self.remove_job_view, "remove_job"),
            ("clear/", self.clear_view, "clear"),
            ("pause/", self.pause_view, "pause"),
            ("resume/", self.resume_view, "resume"),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        names = queues.names()
        page, page_range = paginate(
            request, len(names), lambda start, n: queues.describe(names[start : start + n])
        )
        return self.render(
            request,
            "django_resque/admin/queues.html",
            "Queues",
            page=page,
            page_range=page_range,
            total=len(names),
        )

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        name = request.GET.get("name", "")
        if name not in queues.names():
            raise Http404("No such queue.")
        page, page_range = paginate(
            request,
            queues.size(name),
            lambda start, n: [
                queued_job(start + i, raw) for i, raw in enumerate(queues.peek(name, start, n))
            ],
        )
        return self.render(
            request,
            "django_resque/admin/queue_detail.html",
            f"Queue {name}",
            crumb=name,
            queue=name,
            paused=name in queues.paused(),
            page=page,
            page_range=page_range,
            here=f"{self.url('detail')}?{urlencode({'name': name, 'page': str(page.number)})}",
        )

    @action
    def remove_job_view(self, request: HttpRequest) -> HttpResponse:
        name = self.posted_queue(request)
        index = clamp_int(request.POST.get("index"), 0, 0, 2**62)
        removed = queues.remove_payload(name, index, request.POST.get("sha1", ""))
        message = "Removed the job." if removed else "That job is no longer on the queue."
        return self.done(request, message, self.detail_url(name), ok=removed)

    @action
    def clear_view(self, request: HttpRequest) -> HttpResponse:
        name = self.posted_queue(request)
        confirmation = self.confirm(
            request, f"Drop every job waiting on the queue “{name}”?", [name]
        )
        if confirmation:
            return confirmation
        dropped = queues.clear(name)
        return self.done(request, f"Dropped {dropped} jobs from {name}.", self.detail_url(name))

    @action
    def pause_view(self, request: HttpRequest) -> HttpResponse:
        name = self.posted_queue(request)
        queues.pause(name)
        return self.done(request, f"Paused {name}.", self.url("changelist"))

    @action
    def resume_view(self, request: HttpRequest) -> HttpResponse:
        name = self.posted_queue(request)
        queues.resume(name)
        return self.done(request, f"Resumed {name}.", self.url("changelist"))

    @staticmethod
    def posted_queue(request: HttpRequest) -> str:
        name = request.POST.get("queue", "")
        if name not in queues.names():
            raise Http404("No such queue.")
        return name

    def detail_url(self, name: str) -> str:
        return f"{self.url('detail')}?{urlencode({'name': name})}"
