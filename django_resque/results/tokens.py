"""Signed, expiring tokens that let one request read one job's status without staff rights.

A page that asked for a job (a site user's report) gets a token with the job's handle and polls
the status view with it. The token is Django's signing of the job id and an expiry time, with a
salt of its own, so it proves the server issued it for that id and cannot be stretched to
another job or past its expiry. Job ids stay random (uuid4) and unguessable besides.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core import signing

_SALT = "django_resque.job_status"
DEFAULT_LIFETIME = timedelta(hours=1)


def sign(job_id: str, expires_in: timedelta = DEFAULT_LIFETIME) -> str:
    """Return a token that opens the status of `job_id` until `expires_in` from now."""
    expires_at = int(time.time() + expires_in.total_seconds())
    return signing.dumps({"id": job_id, "exp": expires_at}, salt=_SALT, compress=False)


def opens(token: str, job_id: str) -> bool:
    """Return True if `token` was signed here for `job_id` and has not expired."""
    try:
        claims = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return False
    if not isinstance(claims, dict) or claims.get("id") != job_id:
        return False
    expires_at = claims.get("exp")
    return isinstance(expires_at, int) and time.time() < expires_at
