"""Who may look and who may act, on every page and every action URL."""

from __future__ import annotations

import pytest
from django.test import Client

PAGES = [
    "/admin/django_resque/failedjob/",
    "/admin/django_resque/delayedjob/",
    "/admin/django_resque/schedule/",
    "/admin/django_resque/worker/",
    "/admin/django_resque/overview/",
    "/admin/django_resque/queue/",
    "/admin/django_resque/stats/",
    "/admin/django_resque/jobgroup/",
    "/admin/django_resque/limit/",
    "/admin/django_resque/metrics/",
]
ACTIONS = [
    "/admin/django_resque/failedjob/retry/",
    "/admin/django_resque/failedjob/remove/",
    "/admin/django_resque/failedjob/retry-all/",
    "/admin/django_resque/failedjob/remove-all/",
    "/admin/django_resque/delayedjob/enqueue-now/",
    "/admin/django_resque/delayedjob/remove/",
    "/admin/django_resque/delayedjob/clear/",
    "/admin/django_resque/schedule/trigger/",
    "/admin/django_resque/schedule/pause/",
    "/admin/django_resque/schedule/resume/",
    "/admin/django_resque/schedule/remove/",
    "/admin/django_resque/queue/remove-job/",
    "/admin/django_resque/queue/clear/",
    "/admin/django_resque/queue/pause/",
    "/admin/django_resque/queue/resume/",
    "/admin/django_resque/jobgroup/retry-failed/",
    "/admin/django_resque/limit/release/",
]


@pytest.mark.parametrize("url", PAGES + ACTIONS)
def test_anonymous_visitors_are_sent_to_the_login_page(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", PAGES)
def test_staff_without_permission_get_403_on_every_page(nobody, url):
    assert nobody.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_view_permission_shows_every_page(viewer, url):
    response = viewer.get(url)
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", ACTIONS)
def test_view_only_staff_get_403_on_every_action(viewer, url):
    assert viewer.post(url, {"queue": "default"}).status_code == 403


@pytest.mark.parametrize("url", ACTIONS)
def test_actions_refuse_get_with_405(operator, url):
    assert operator.get(url).status_code == 405


@pytest.mark.parametrize("url", ACTIONS)
def test_actions_without_a_csrf_token_are_refused(csrf_operator, url):
    assert csrf_operator.post(url, {"queue": "default"}).status_code == 403


def test_the_admin_index_lists_the_resque_pages_without_urls_py_edits(viewer):
    html = viewer.get("/admin/").content.decode()
    for name in (
        "Overview",
        "Queues",
        "Workers",
        "Failed jobs",
        "Delayed jobs",
        "Schedules",
        "Stats",
        "Groups",
        "Limits",
    ):
        assert f">{name}<" in html
    assert "/admin/django_resque/jobgroup/" in html


def test_staff_without_permission_do_not_see_the_pages_on_the_index(nobody):
    html = nobody.get("/admin/").content.decode()
    assert "/admin/django_resque/queue/" not in html


@pytest.mark.parametrize("index", ["/admin/", "/admin/django_resque/"])
def test_the_index_offers_view_not_change_even_to_staff_who_may_act(operator, index):
    html = operator.get(index).content.decode()
    assert html.count('class="viewlink"') == len(PAGES)
    assert 'class="changelink"' not in html


def test_staff_with_only_the_change_permission_see_view_and_may_act(make_client, redis):
    client = make_client("changer", ["change_queue"])
    html = client.get("/admin/").content.decode()
    assert html.count('class="viewlink"') == 1 and 'class="changelink"' not in html
    redis.sadd("resque:queues", "default")
    response = client.post("/admin/django_resque/queue/pause/", {"queue": "default"})
    assert response.status_code == 302
