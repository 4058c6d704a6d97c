"""Failed jobs: newest first, filtered by queue, job or exception; retry or remove one or all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import urlencode

from django_resque.admin.base import ResqueAdmin, action
from django_resque.admin.display import FailureView, failure_view
from django_resque.admin.pagination import paginate, paginate_open
from django_resque.failures import registry as failures

FILTER_FIELDS = ("queue", "job_name", "exception")


class FailedJobAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [
            ("detail/", self.detail_view, "detail"),
            ("retry/", self.retry_view, "retry"),
            ("remove/", self.remove_view, "remove"),
            ("retry-all/", self.retry_all_view, "retry_all"),
            ("remove-all/", self.remove_all_view, "remove_all"),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        chosen = read_filter(request.GET)

        def fetch(offset: int, limit: int) -> list[FailureView]:
            return [failure_view(f) for f in failures.page(chosen, offset=offset, limit=limit)]

        more = False
        if len(chosen.facets()) > 1:  # counting an intersection walks it: page without a count
            page, page_range, more = paginate_open(request, fetch)
        else:
            page, page_range = paginate(request, failures.count(chosen), fetch)
        return self.render(
            request,
            "django_resque/admin/failed.html",
            "Failed jobs",
            page=page,
            page_range=page_range,
            more=more,
            chosen=chosen,
            filtered=any(getattr(chosen, f) is not None for f in FILTER_FIELDS),
            filter_fields=[(f, getattr(chosen, f) or "") for f in FILTER_FIELDS],
            here=request.get_full_path(),
        )

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        failure = failures.get(request.GET.get("id", "")[:100])
        if failure is None:
            raise Http404("No such failure: it was retried or removed.")
        shown = failure_view(failure)
        return self.render(
            request,
            "django_resque/admin/failed_detail.html",
            f"Failed {shown.job_name if failure.job_name else 'job'}",
            crumb=shown.id,
            failure=shown,
        )

    @action
    def retry_view(self, request: HttpRequest) -> HttpResponse:
        done = failures.retry(request.POST.get("id", "")[:100])
        message = "Retried the job: it is back on its queue." if done else "Nothing to retry."
        return self.done(request, message, self.url("changelist"), ok=done)

    @action
    def remove_view(self, request: HttpRequest) -> HttpResponse:
        failure_id = request.POST.get("id", "")[:100]
        confirmation = self.confirm(request, "Remove this failure record?", [failure_id])
        if confirmation:
            return confirmation
        done = failures.remove(failure_id)
        message = "Removed the failure." if done else "That failure was already gone."
        return self.done(request, message, self.url("changelist"), ok=done)

    @action
    def retry_all_view(self, request: HttpRequest) -> HttpResponse:
        return self.bulk(request, "Retry", failures.retry_all)

    @action
    def remove_all_view(self, request: HttpRequest) -> HttpResponse:
        return self.bulk(request, "Remove", failures.remove_all)

    def bulk(
        self,
        request: HttpRequest,
        verb: str,
        run: Callable[[failures.FailureFilter | None], int],
    ) -> HttpResponse:
        """Confirm, then retry or remove every failure the posted filter matches."""
        chosen = read_filter(request.POST)
        described = describe(chosen)
        # Counting an intersection of two facets walks it, so only smaller filters say how many.
        how_many = (
            "every failed job"
            if len(chosen.facets()) > 1
            else f"all {failures.count(chosen)} failed jobs"
        )
        confirmation = self.confirm(request, f"{verb} {how_many} {described}?")
        if confirmation:
            return confirmation
        handled = run(chosen)
        back = self.url("changelist") + _query(chosen)
        return self.done(request, f"{verb}d {handled} failed jobs {described}.", back)


def read_filter(data: Any) -> failures.FailureFilter:
    """Build a filter from form fields; blank fields match everything."""
    values = {f: (data.get(f) or "").strip()[:200] or None for f in FILTER_FIELDS}
    return failures.FailureFilter(**values)


def describe(chosen: failures.FailureFilter) -> str:
    parts = [
        f"{f.replace('_', ' ')} “{getattr(chosen, f)}”"
        for f in FILTER_FIELDS
        if getattr(chosen, f) is not None
    ]
    return "with " + " and ".join(parts) if parts else "(no filter: every one)"


def _query(chosen: failures.FailureFilter) -> str:
    pairs = {f: getattr(chosen, f) for f in FILTER_FIELDS if getattr(chosen, f) is not None}
    return "?" + urlencode(pairs) if pairs else ""
