"""Limits: unique locks, concurrency slots and rate windows held, the jobs waiting on them.

A lock or a slot whose holder is known to be gone (a job lost without its worker's requeue)
can be released here: limits.records.release() frees it only if the holder the page showed
still holds it, and hands a freed slot to the next waiting job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from django_resque.admin.base import ResqueAdmin, action
from django_resque.admin.display import pretty, text
from django_resque.limits import browse, records
from django_resque.limits.held import Waiting
from django_resque.storage.codec import UNREADABLE

KEY_CHARS = 1000  # a limit's key or a holder longer than this names nothing
NAME_CHARS = 200  # of a key or holder quoted in a sentence


@dataclass(frozen=True, slots=True)
class WaitingRow:
    queue: str
    job_name: str
    job_id: str
    payload: str  # pretty and bounded, or the text of a payload that is not JSON
    malformed: bool


def waiting_rows(waiting: Waiting | None) -> list[WaitingRow]:
    """The first waiting jobs of a limit as its page shows them."""
    return [
        WaitingRow(
            text(job.queue),
            text(job.job_name),
            text(job.job_id),
            text(job.raw) if job.payload is UNREADABLE else pretty(job.payload),
            job.payload is UNREADABLE,
        )
        for job in (waiting.jobs if waiting else ())
    ]


class LimitAdmin(ResqueAdmin):
    def extra_urls(self) -> list[tuple[str, Callable[..., HttpResponse], str]]:
        return [
            ("detail/", self.detail_view, "detail"),
            ("release/", self.release_view, "release"),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.require_view(request)
        return self.render(
            request,
            "django_resque/admin/limits.html",
            "Limits",
            listing=browse.listing(),
            names_read=browse.NAMES_READ,
            here=request.get_full_path(),
        )

    def detail_view(self, request: HttpRequest) -> HttpResponse:
        self.require_view(request)
        k = request.GET.get("k", "")
        found = browse.detail(k) if 0 < len(k) <= KEY_CHARS else None
        if found is None:
            raise Http404("No such limit: nothing holds it and no job waits on it.")
        slots = found.slots[0] if found.slots else None
        rate = found.rates[0] if found.rates else None
        return self.render(
            request,
            "django_resque/admin/limit_detail.html",
            f"Limit {text(k, NAME_CHARS)}",
            crumb=text(k, NAME_CHARS),
            k=k,
            lock=found.locks[0] if found.locks else None,
            slots=slots,
            rate=rate,
            unreadable=found.unreadable,
            waiting_slots=waiting_rows(slots.waiting if slots else None),
            waiting_rate=waiting_rows(rate.waiting if rate else None),
            here=request.get_full_path(),
        )

    @action
    def release_view(self, request: HttpRequest) -> HttpResponse:
        kind = request.POST.get("kind", "")
        k, holder = request.POST.get("k", ""), request.POST.get("holder", "")
        if kind not in {"lock", "slot"} or not 0 < len(k) <= KEY_CHARS or len(holder) > KEY_CHARS:
            return self.done(request, "Nothing to release.", self.url("changelist"), ok=False)
        thing, by = describe(kind, k, holder)
        confirmation = self.confirm(
            request,
            f"Release {thing}, held by {by}? Do this only if that job is gone: "
            + (
                "another copy of the job may then be enqueued."
                if kind == "lock"
                else "another job may then take the slot while it still runs."
            ),
            [f"limit: {k}", f"holder: {holder}"],
        )
        if confirmation:
            return confirmation
        if records.release(kind, k, holder):
            return self.done(request, f"Released {thing}, held by {by}.", self.url("changelist"))
        message = f"Nothing released: {by} no longer holds {thing}."
        return self.done(request, message, self.url("changelist"), ok=False)


def describe(kind: str, k: str, holder: str) -> tuple[str, str]:
    """Name a lock or a slot, and its holder, for a sentence."""
    limit, by = f"“{text(k, NAME_CHARS)}”", text(holder, NAME_CHARS)
    if kind == "lock":
        return f"the lock {limit}", f"job {by}"
    if holder.startswith("~"):
        return f"a slot of {limit}", f"job {by[1:]} (handed to it, not yet taken)"
    return f"a slot of {limit}", f"worker {by}"
