"""The JSON status view a page polls for a job's status and result (docs/results.md).

Mount it in a project's urls.py, e.g.
`path("jobs/<str:job_id>/status/", django_resque.views.job_status, name="job_status")`, or
include `django_resque.urls`. A signed token from JobHandle.status_token opens one job's status
to whoever holds it; otherwise the user must be active staff holding RESQUE
["STATUS_VIEW_PERMISSION"] (the admin's view permission on Resque by default). Backtraces are
never sent.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from django_resque.conf import get_config
from django_resque.results import status, tokens

_JOB_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


def can_view_status(user: object) -> bool:
    """Return True if this user may read any job's status (staff with the configured permission)."""
    if not getattr(user, "is_active", False) or not getattr(user, "is_staff", False):
        return False
    permission = get_config()["STATUS_VIEW_PERMISSION"]
    return permission is None or bool(user.has_perm(permission))  # type: ignore[attr-defined]


@never_cache
@require_GET
def job_status(request: HttpRequest, job_id: str) -> JsonResponse:
    """Return a job's status as JSON: 401 anonymous, 403 not allowed, 404 unknown or expired.

    `?token=` (JobHandle.status_token) opens this one job to whoever holds it; without one the
    user must be allowed to read every job's status (can_view_status).
    """
    token = request.GET.get("token")
    if token is not None:
        if not tokens.opens(token, job_id):
            return JsonResponse({"error": "This status link is not valid or expired."}, status=403)
    elif not request.user.is_authenticated:
        return JsonResponse({"error": "Log in to see job statuses."}, status=401)
    elif not can_view_status(request.user):
        return JsonResponse({"error": "You may not see job statuses."}, status=403)
    current = status.get(job_id) if _JOB_ID.match(job_id) else None
    if current is None:
        return JsonResponse({"id": job_id, "status": "unknown"}, status=404)
    data = current.to_dict()
    data["errors"] = [
        {"exception": e.get("exception"), "error": e.get("error")}
        for e in current.errors
        if isinstance(e, dict)
    ]
    return JsonResponse(data)
