"""Signed, expiring tokens that let one request read one record's status without staff rights.

A page that asked for a job (a site user's report) gets a token with the job's handle and polls
the status view with it. The token is Django's signing of the id and an expiry time, with a
salt per kind of record (jobs here; groups pass their own), so it proves the server issued it
for that id and cannot be stretched to another id, another kind, or past its expiry. Job and
group ids stay random (uuid4) and unguessable besides.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core import signing

_SALT = "django_resque.job_status"
DEFAULT_LIFETIME = timedelta(hours=1)


def sign(record_id: str, expires_in: timedelta = DEFAULT_LIFETIME, *, salt: str = _SALT) -> str:
    """Return a token that opens the status of `record_id` until `expires_in` from now."""
    expires_at = int(time.time() + expires_in.total_seconds())
    return signing.dumps({"id": record_id, "exp": expires_at}, salt=salt, compress=False)


def opens(token: str, record_id: str, *, salt: str = _SALT) -> bool:
    """Return True if `token` was signed here, with `salt`, for `record_id` and has not expired."""
    try:
        claims = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return False
    if not isinstance(claims, dict) or claims.get("id") != record_id:
        return False
    expires_at = claims.get("exp")
    return isinstance(expires_at, int) and time.time() < expires_at
