"""Delayed jobs: due times soonest first with their jobs; enqueue now, remove, clear all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from django_resque.admin.base import ResqueAdmin, action
from django_resque.admin.display import delayed_item
from django_resque.admin.pagination import clamp_int, paginate
from django_resque.queues import delayed
from django_resque.templatetags.resque_admin import label

SHOWN_PER_TIME = 3  # items listed under each due time on the list page
SHOWN_IN_DETAIL = 200
MAX_EPOCH = 253402300799  # 9999-12-31: any larger `at` is not a time


class DelayedJobAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [
            ("detail/", self.detail_view, "detail"),
            ("enqueue-now/", self.enqueue_now_view, "enqueue_now"),
            ("remove/", self.remove_view, "remove"),
            ("clear/", self.clear_view, "clear"),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        page, page_range = paginate(request, delayed.timestamp_count(), self.rows)
        return self.render(
            request,
            "django_resque/admin/delayed.html",
            "Delayed jobs",
            page=page,
            page_range=page_range,
        )

    @staticmethod
    def rows(offset: int, limit: int) -> list[dict[str, Any]]:
        return [
            {
                "at": when,
                "epoch": int(when.timestamp()),
                "count": count,
                "items": [delayed_item(i) for i in delayed.items_at(when, SHOWN_PER_TIME)],
            }
            for when, count in delayed.timestamps(offset, limit)
        ]

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        ts = clamp_int(request.GET.get("at"), 0, 0, MAX_EPOCH)
        items = [delayed_item(i) for i in delayed.items_at(ts, SHOWN_IN_DETAIL)]
        if not items:
            raise Http404("Nothing is due at that time.")
        when = delayed.from_epoch(ts)
        return self.render(
            request,
            "django_resque/admin/delayed_detail.html",
            f"Delayed jobs due {label(when)}",
            crumb=label(when),
            at=when,
            epoch=ts,
            items=items,
            shown=SHOWN_IN_DETAIL,
        )

    @action
    def enqueue_now_view(self, request: HttpRequest) -> HttpResponse:
        ts = self.posted_time(request)
        moved = delayed.enqueue_now(ts)
        return self.done(request, f"Enqueued {moved} jobs due {label(ts)}.", self.url("changelist"))

    @action
    def remove_view(self, request: HttpRequest) -> HttpResponse:
        ts = self.posted_time(request)
        confirmation = self.confirm(request, f"Remove every job due {label(ts)}?")
        if confirmation:
            return confirmation
        dropped = delayed.remove_at(ts)
        return self.done(
            request, f"Removed {dropped} jobs due {label(ts)}.", self.url("changelist")
        )

    @action
    def clear_view(self, request: HttpRequest) -> HttpResponse:
        confirmation = self.confirm(request, "Remove every delayed job, at every time?")
        if confirmation:
            return confirmation
        dropped = delayed.clear()
        return self.done(request, f"Removed {dropped} delayed jobs.", self.url("changelist"))

    @staticmethod
    def posted_time(request: HttpRequest) -> int:
        ts = clamp_int(request.POST.get("at"), -1, -1, MAX_EPOCH)
        if ts < 0:
            raise Http404("No such time.")
        return ts
