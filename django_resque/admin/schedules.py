"""Schedules: recurring jobs with next and last run; trigger now, pause, resume, remove."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from django_resque.admin.base import ResqueAdmin, action
from django_resque.admin.display import pretty
from django_resque.exceptions import ResqueError
from django_resque.scheduler import schedules
from django_resque.scheduler.entry import ScheduleEntry


class ScheduleAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [
            ("trigger/", self.trigger_view, "trigger"),
            ("pause/", self.pause_view, "pause"),
            ("resume/", self.resume_view, "resume"),
            ("remove/", self.remove_view, "remove"),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        rows = [(entry, pretty(_arguments(entry))) for entry in schedules.entries()]
        return self.render(request, "django_resque/admin/schedules.html", "Schedules", rows=rows)

    @action
    def trigger_view(self, request: HttpRequest) -> HttpResponse:
        entry = self.posted_entry(request)
        try:
            handle = schedules.trigger(entry.name)
        except ResqueError as exc:
            return self.done(request, f"Could not enqueue: {exc}", self.url("changelist"), ok=False)
        if not handle.enqueued:  # a unique job whose copy holds the lock
            message = f"Not enqueued: {entry.job_name} job {handle.id} is still queued or running."
            return self.done(request, message, self.url("changelist"), ok=False)
        message = f"Enqueued {entry.job_name} on {handle.queue} now."
        return self.done(request, message, self.url("changelist"))

    @action
    def pause_view(self, request: HttpRequest) -> HttpResponse:
        entry = self.posted_entry(request)
        schedules.pause(entry.name)
        return self.done(request, f"Paused {entry.name}.", self.url("changelist"))

    @action
    def resume_view(self, request: HttpRequest) -> HttpResponse:
        entry = self.posted_entry(request)
        schedules.resume(entry.name)
        return self.done(request, f"Resumed {entry.name}.", self.url("changelist"))

    @action
    def remove_view(self, request: HttpRequest) -> HttpResponse:
        entry = self.posted_entry(request)
        if not entry.dynamic:
            return self.done(
                request,
                f"{entry.name} is defined in RESQUE['SCHEDULE']; remove it there.",
                self.url("changelist"),
                ok=False,
            )
        confirmation = self.confirm(request, f"Remove the schedule “{entry.name}”?", [entry.name])
        if confirmation:
            return confirmation
        schedules.remove(entry.name)
        return self.done(request, f"Removed {entry.name}.", self.url("changelist"))

    @staticmethod
    def posted_entry(request: HttpRequest) -> ScheduleEntry:
        entry = schedules.get(request.POST.get("name", ""))
        if entry is None:
            raise Http404("No such schedule.")
        return entry


def _arguments(entry: ScheduleEntry) -> Any:
    return {"args": entry.args, "kwargs": entry.kwargs} if entry.kwargs else entry.args
