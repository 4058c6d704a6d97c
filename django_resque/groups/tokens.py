"""Signed, expiring links to one group's status, for a page that polls a group it started.

The token is results/tokens.py's, with a salt of its own: a job's token opens no group and a
group's token opens no job, even for the same id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.http import urlencode

from django_resque.results import tokens
from django_resque.results.tokens import DEFAULT_LIFETIME

if TYPE_CHECKING:
    from django_resque.groups.group import Group

_SALT = "django_resque.group_status"


def status_token(group: Group | str, expires_in: timedelta = DEFAULT_LIFETIME) -> str:
    """Return a token that lets its bearer poll this group's status until it expires."""
    return tokens.sign(_id(group), expires_in, salt=_SALT)


def status_url(group: Group | str, expires_in: timedelta = DEFAULT_LIFETIME) -> str:
    """Return the group status view's path for this group, with a signed token.

    Needs `django_resque.urls` included in the project's URLconf (namespace django_resque).
    """
    path = reverse("django_resque:group_status", args=[_id(group)])
    return f"{path}?{urlencode({'token': status_token(group, expires_in)})}"


def opens(token: str, group_id: str) -> bool:
    """Return True if `token` was signed here for this group and has not expired."""
    return tokens.opens(token, group_id, salt=_SALT)


def _id(group: Group | str) -> str:
    return group if isinstance(group, str) else group.id
