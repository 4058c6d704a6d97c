"""Groups: newest first with their progress; one group's counts, tree and failed members."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import urlencode

from django_resque.admin.base import ResqueAdmin, action
from django_resque.admin.display import FailureView, failure_view, text
from django_resque.admin.pagination import paginate
from django_resque.groups import browse, failed_members

ID_CHARS = 100  # group ids are 32 hex characters; anything longer is no group


@dataclass(frozen=True, slots=True)
class FailedRow:
    member_id: str
    counted: bool  # in the group's failed set (else retried meanwhile, or never its member)
    failure: FailureView


def failed_rows(group_id: str, offset: int, limit: int) -> list[FailedRow]:
    """A page of the group's failure records as the detail page shows them."""
    return [
        FailedRow(text(m.member_id), m.counted, failure_view(m.failure))
        for m in failed_members.page(group_id, offset, limit)
    ]


class JobGroupAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [
            ("detail/", self.detail_view, "detail"),
            ("retry-failed/", self.retry_failed_view, "retry_failed"),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        page, page_range = paginate(request, browse.count(), browse.page)
        return self.render(
            request,
            "django_resque/admin/groups.html",
            "Groups",
            page=page,
            page_range=page_range,
        )

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        group_id = request.GET.get("id", "")[:ID_CHARS]
        root = browse.tree(group_id)
        if root is None or root.state is None:
            raise Http404("No such group: it was never created, or it has expired.")
        page, page_range = paginate(
            request,
            failed_members.records(group_id),
            lambda offset, limit: failed_rows(group_id, offset, limit),
        )
        return self.render(
            request,
            "django_resque/admin/group_detail.html",
            f"Group {text(root.state.name, 200) or group_id}",
            crumb=group_id,
            group=root.state,
            root=root,
            callbacks=browse.callbacks(root.state),
            failed_count=failed_members.count(group_id),
            page=page,
            page_range=page_range,
        )

    @action
    def retry_failed_view(self, request: HttpRequest) -> HttpResponse:
        group_id = request.POST.get("id", "")[:ID_CHARS]
        back = self.url("detail") + "?" + urlencode({"id": group_id})
        state = browse.read(group_id)
        if state is None:
            return self.done(
                request, "No such group: nothing to retry.", self.url("changelist"), ok=False
            )
        failed = failed_members.count(group_id)
        named = f"“{text(state.name, 200)}”" if state.name else group_id
        confirmation = self.confirm(
            request, f"Retry the {failed} failed members of group {named} (their failure records)?"
        )
        if confirmation:
            return confirmation
        retried = failed_members.retry(group_id)
        message = (
            f"Retried {retried} failed members of group {named}: they are pending in it again."
        )
        return self.done(request, message, back, ok=retried > 0)
