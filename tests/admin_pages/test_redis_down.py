"""With Redis stopped, every Resque page says so with a 503 and the rest of the admin works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from tests.helpers import RedisServer

PAGES = [
    "/admin/django_resque/overview/",
    "/admin/django_resque/queue/",
    "/admin/django_resque/queue/detail/?name=default",
    "/admin/django_resque/worker/",
    "/admin/django_resque/worker/detail/?id=host:1:default",
    "/admin/django_resque/failedjob/",
    "/admin/django_resque/failedjob/detail/?id=abc",
    "/admin/django_resque/delayedjob/",
    "/admin/django_resque/delayedjob/detail/?at=1",
    "/admin/django_resque/schedule/",
    "/admin/django_resque/stats/",
    "/admin/django_resque/jobgroup/",
    "/admin/django_resque/jobgroup/detail/?id=abc",
    "/admin/django_resque/limit/",
    "/admin/django_resque/limit/detail/?k=tests.jobs.sync",
    "/admin/django_resque/metrics/",
    "/admin/django_resque/metrics/detail/?name=tests.jobs.add&window=3d",
]
ACTIONS = [
    ("/admin/django_resque/queue/clear/", {"queue": "default"}),
    ("/admin/django_resque/queue/pause/", {"queue": "default"}),
    ("/admin/django_resque/failedjob/retry/", {"id": "abc"}),
    ("/admin/django_resque/failedjob/remove-all/", {"post": "yes"}),
    ("/admin/django_resque/delayedjob/clear/", {"post": "yes"}),
    ("/admin/django_resque/schedule/trigger/", {"name": "nightly"}),
    ("/admin/django_resque/jobgroup/retry-failed/", {"id": "abc", "post": "yes"}),
    (
        "/admin/django_resque/limit/release/",
        {"kind": "lock", "k": "j", "holder": "1", "post": "yes"},
    ),
]


@pytest.fixture
def stopped_redis(settings) -> Iterator[RedisServer]:
    """A Redis that is down, at a free port; RESQUE points at it, with a password."""
    server = RedisServer()  # never started: connections to its port are refused
    url = f"redis://user:s3cret@127.0.0.1:{server.port}/0"
    with override_settings(RESQUE={**settings.RESQUE, "REDIS_URL": url}):
        yield server


@pytest.mark.parametrize("url", PAGES)
def test_every_page_says_redis_is_unreachable_with_a_503(operator, stopped_redis, url):
    response = operator.get(url)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Redis is unreachable" in html
    assert f"redis://user:***@127.0.0.1:{stopped_redis.port}/0" in html
    assert "s3cret" not in html
    assert 'id="site-name"' in html  # the admin's own frame, not a bare error
    assert "Connection refused" in html or "Error" in html


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_an_action_posted_while_redis_is_down_gets_the_same_page(
    operator, stopped_redis, url, data
):
    response = operator.post(url, data)
    assert response.status_code == 503
    assert "Redis is unreachable" in response.content.decode()
    assert not list(response.wsgi_request._messages)  # nothing reported done


def test_the_admin_index_still_renders(operator, stopped_redis):
    response = operator.get("/admin/")
    assert response.status_code == 200
    assert "Queues" in response.content.decode()


def test_a_connection_alias_is_named_instead_of_a_url(operator, settings):
    server = RedisServer()  # never started: connections to its port are refused
    caches = {
        **settings.CACHES,
        "resque": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
        },
    }
    with override_settings(CACHES=caches, RESQUE={**settings.RESQUE, "CONNECTION": "resque"}):
        response = operator.get("/admin/django_resque/queue/")
    assert response.status_code == 503
    assert "CACHES[&#x27;resque&#x27;]" in response.content.decode()


@pytest.mark.parametrize("url", ["/resque/jobs/abc/status/", "/resque/groups/abc/status/"])
def test_the_status_views_answer_503_with_a_sentence_while_redis_is_down(
    operator, stopped_redis, url
):
    response = operator.get(url)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"error": "Redis, the job store, is not answering."}
