"""The JSON status views a page polls for a job's status and result, or a group's progress.

Mount them in a project's urls.py, e.g.
`path("jobs/<str:job_id>/status/", django_resque.views.job_status, name="job_status")`, or
include `django_resque.urls` (docs/results.md). A signed token from JobHandle.status_token (or
groups.tokens.status_token) opens one job's (group's) status to whoever holds it; otherwise
the user must be active staff holding RESQUE["STATUS_VIEW_PERMISSION"] (the admin's view
permission on Resque by default). Backtraces are never sent.

`metrics` serves the Prometheus text format (docs/observability.md) to the same staff, or to a
scraper that sends `Authorization: Bearer <RESQUE["METRICS_TOKEN"]>`.
"""

from __future__ import annotations

import functools
import hmac
import logging
import re
from collections.abc import Callable
from typing import Any

import redis
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from django_resque.conf import get_config
from django_resque.groups import browse
from django_resque.groups import tokens as group_tokens
from django_resque.metrics import exposition
from django_resque.results import status, tokens
from django_resque.storage.connection import describe

logger = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


def can_view_status(user: object) -> bool:
    """Return True if this user may read any job's status (staff with the configured permission)."""
    if not getattr(user, "is_active", False) or not getattr(user, "is_staff", False):
        return False
    permission = get_config()["STATUS_VIEW_PERMISSION"]
    return permission is None or bool(user.has_perm(permission))  # type: ignore[attr-defined]


def redis_unavailable(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Answer 503 with a sentence, not a 500, when Redis cannot be reached (a page retries)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except redis.RedisError as exc:
            logger.warning("event=status-view-redis-unavailable redis=%s error=%s", describe(), exc)
            response = JsonResponse(
                {"error": "Redis, the job store, is not answering."}, status=503
            )
            response["Retry-After"] = "5"
            return response

    return wrapped


def _refusal(
    request: HttpRequest, record_id: str, opens: Callable[[str, str], bool], kind: str
) -> JsonResponse | None:
    """The 401/403 answer for a request that may not read this record, or None if it may."""
    token = request.GET.get("token")
    if token is not None:
        if not opens(token, record_id):
            return JsonResponse({"error": "This status link is not valid or expired."}, status=403)
    elif not request.user.is_authenticated:
        return JsonResponse({"error": f"Log in to see {kind} statuses."}, status=401)
    elif not can_view_status(request.user):
        return JsonResponse({"error": f"You may not see {kind} statuses."}, status=403)
    return None


@never_cache
@require_GET
@redis_unavailable
def job_status(request: HttpRequest, job_id: str) -> JsonResponse:
    """Return a job's status as JSON: 401 anonymous, 403 not allowed, 404 unknown or expired.

    `?token=` (JobHandle.status_token) opens this one job to whoever holds it; without one the
    user must be allowed to read every job's status (can_view_status).
    """
    refused = _refusal(request, job_id, tokens.opens, "job")
    if refused is not None:
        return refused
    current = status.get(job_id) if _ID.match(job_id) else None
    if current is None:
        return JsonResponse({"id": job_id, "status": "unknown"}, status=404)
    data = current.to_dict()
    data["errors"] = [
        {"exception": e.get("exception"), "error": e.get("error")}
        for e in current.errors
        if isinstance(e, dict)
    ]
    return JsonResponse(data)


@never_cache
@require_GET
@redis_unavailable
def group_status(request: HttpRequest, group_id: str) -> JsonResponse:
    """Return a group's counts and progress as JSON: 401, 403 and 404 as job_status.

    `?token=` (groups.tokens.status_token) opens this one group; a job's token does not.
    """
    refused = _refusal(request, group_id, group_tokens.opens, "group")
    if refused is not None:
        return refused
    data = browse.status(group_id) if _ID.match(group_id) else None
    if data is None:
        return JsonResponse({"id": group_id, "status": "unknown"}, status=404)
    return JsonResponse(data)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Return the Prometheus text format: 403 without a staff session or the bearer token,
    503 (with Retry-After) when Redis does not answer."""
    if not _may_scrape(request):
        return _text("Send Authorization: Bearer <RESQUE['METRICS_TOKEN']>, or log in.", 403)
    try:
        body, content_type = exposition.render()
    except redis.RedisError as exc:
        logger.warning("event=metrics-view-redis-unavailable redis=%s error=%s", describe(), exc)
        response = _text("Redis, the job store, is not answering.", 503)
        response["Retry-After"] = "5"
        return response
    return HttpResponse(body, content_type=content_type)


def _may_scrape(request: HttpRequest) -> bool:
    """A matching bearer token (compared in constant time), or a user who may see statuses."""
    token = get_config()["METRICS_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    matches = isinstance(token, str) and bool(token) and scheme.lower() == "bearer"
    if matches and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    return can_view_status(getattr(request, "user", None))


def _text(sentence: str, status_code: int) -> HttpResponse:
    return HttpResponse(
        sentence + "\n", status=status_code, content_type="text/plain; charset=utf-8"
    )
