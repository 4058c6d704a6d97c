"""The Workers page: grouped by host, stale flagged, one worker's detail and current job."""

from __future__ import annotations

import json

import pytest

from tests import jobs
from tests.admin_pages.conftest import XSS, assert_escaped
from tests.helpers import wait_until

LIST = "/admin/django_resque/worker/"
DETAIL = "/admin/django_resque/worker/detail/"


def register(redis, worker_id: str, *, record: object = None, heartbeat: str = "") -> None:
    redis.sadd("resque:workers", worker_id)
    redis.set(f"resque:worker:{worker_id}:started", "2026-01-01 10:00:00 +0000")
    if heartbeat:
        redis.hset("resque:workers:heartbeat", worker_id, heartbeat)
    if record is not None:
        redis.set(f"resque:worker:{worker_id}", json.dumps(record))


def test_a_busy_real_worker_shows_what_it_is_doing(viewer, start_worker, ledger):
    jobs.sleep_for.delay(ledger, 8)
    start_worker("--queues", "default")
    wait_until(lambda: "tests.jobs.sleep_for" in viewer.get(LIST).content.decode(), timeout=60)
    html = viewer.get("/admin/django_resque/overview/").content.decode()
    assert "tests.jobs.sleep_for" in html and "1 working" in html
    worker_id = viewer.get(LIST).context["page"].object_list[0].worker.id
    detail = viewer.get(DETAIL, {"id": worker_id}).content.decode()
    assert "Current job" in detail and ledger in detail


def test_workers_are_grouped_by_host_and_stale_ones_flagged(viewer, redis):
    register(redis, "alpha:1:default", heartbeat="2000-01-01T00:00:00Z")
    register(redis, "beta:2:low,high")
    register(redis, "beta:3:default")
    html = viewer.get(LIST).content.decode()
    assert '"resque-host">alpha</span> <span class="resque-host-count">1 worker, 1 stale<' in html
    assert '"resque-host">beta</span> <span class="resque-host-count">2 workers<' in html
    assert "3 workers on 2 hosts, <strong" in html
    assert "low, high" in html


def test_a_host_s_count_covers_its_workers_on_every_page(viewer, redis):
    for pid in range(1, 4):
        register(redis, f"alpha:{pid}:default")
    register(redis, "beta:9:default")
    html = viewer.get(LIST, {"per_page": "2"}).content.decode()
    assert '"resque-host">alpha</span> <span class="resque-host-count">3 workers<' in html
    assert "beta" not in html  # on the next page
    html = viewer.get(LIST, {"per_page": "2", "page": "2"}).content.decode()
    assert '"resque-host">alpha</span> <span class="resque-host-count">3 workers<' in html
    assert '"resque-host">beta</span> <span class="resque-host-count">1 worker<' in html


def test_an_unknown_worker_is_a_404(viewer):
    assert viewer.get(DETAIL, {"id": "nobody:1:x"}).status_code == 404


def test_absurd_page_values_on_workers_are_clamped(viewer, redis):
    register(redis, "alpha:1:default")
    for params in ({"page": str(10**12)}, {"per_page": str(10**9)}, {"page": "abc"}):
        assert viewer.get(LIST, params).status_code == 200


@pytest.mark.parametrize("probe", XSS)
def test_worker_ids_queues_and_jobs_are_escaped(viewer, redis, probe):
    worker_id = f"{probe}:1:{probe}"
    payload = {"class": probe, "args": [probe], "kwargs": {"k": probe}}
    register(redis, worker_id, record={"queue": probe, "run_at": probe, "payload": payload})
    register(redis, f"h:2:{probe}", record={"queue": "q", "run_at": "t", "payload": probe})
    for url, params in [
        (LIST, {}),
        (DETAIL, {"id": worker_id}),
        ("/admin/django_resque/overview/", {}),
    ]:
        response = viewer.get(url, params)
        assert response.status_code == 200
        assert_escaped(response.content.decode())
