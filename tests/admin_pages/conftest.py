"""Logged-in clients with each level of access the Resque admin pages distinguish."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

MODELS = (
    "overview",
    "queue",
    "worker",
    "failedjob",
    "delayedjob",
    "schedule",
    "stats",
    "jobgroup",
    "limit",
    "metrics",
)

# Strings that break out of HTML text or attributes if anything forgets to escape them.
XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def _client(django_user_model, username: str, perms: list[str], **flags: bool) -> Client:
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True, **flags)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="django_resque", codename__in=perms)
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def make_client(db, django_user_model) -> Callable[..., Client]:
    def make(username: str, perms: list[str]) -> Client:
        return _client(django_user_model, username, perms)

    return make


@pytest.fixture
def operator(make_client) -> Client:
    """Staff who may look at and act on every page."""
    return make_client("operator", [f"{a}_{m}" for m in MODELS for a in ("view", "change")])


@pytest.fixture
def viewer(make_client) -> Client:
    """Staff who may look at every page and act on none."""
    return make_client("viewer", [f"view_{m}" for m in MODELS])


@pytest.fixture
def nobody(make_client) -> Client:
    """Staff without any Resque permission."""
    return make_client("nobody", [])


@pytest.fixture
def csrf_operator(db, django_user_model) -> Client:
    """An operator whose client enforces CSRF like a browser would meet it."""
    user = django_user_model.objects.create_user("csrf", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="django_resque"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def assert_escaped(html: str) -> None:
    """Fail if any XSS probe appears raw in a page."""
    for probe in XSS:
        assert probe not in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


@pytest.fixture(autouse=True)
def _enqueue_at_once(settings):
    """These tests run inside a transaction that never commits: enqueue without waiting for it."""
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}
