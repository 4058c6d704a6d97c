"""Queue latency on the Overview and Queues pages: the age of each queue's oldest job."""

from __future__ import annotations

import json
import re

import pytest

from tests import jobs

PAGES = ["/admin/django_resque/overview/", "/admin/django_resque/queue/"]


def latencies(response) -> dict[str, str]:
    context = response.context
    rows = context["page"].object_list if "page" in context else context["queues"]
    return {row.name: row.latency for row in rows}


@pytest.mark.parametrize("url", PAGES)
def test_each_queue_shows_how_long_its_oldest_job_has_waited(viewer, redis, url):
    jobs.add.delay(1, 2)  # writes queue_time, as every django_resque payload does
    seconds, _ = redis.time()
    old = {"class": "tests.jobs.add", "args": [1, 2], "queue_time": seconds - 90}
    redis.rpush("resque:queue:late", json.dumps(old), json.dumps({**old, "queue_time": seconds}))
    redis.sadd("resque:queues", "late")
    shown = latencies(viewer.get(url))
    assert re.fullmatch(r"< 1 ms|\d+ ms|\d+\.\d s", shown["default"])
    assert shown["late"] in {"1.5 min", "1.6 min"}  # the head, not the newest


@pytest.mark.parametrize("url", PAGES)
def test_a_payload_without_an_enqueue_time_is_unknown_and_an_empty_queue_has_none(
    viewer, redis, url
):
    redis.rpush("resque:queue:ruby", json.dumps({"class": "Emailer", "args": [1]}))
    redis.rpush("resque:queue:garbled", b"\xff not json")
    redis.sadd("resque:queues", "ruby", "garbled", "empty")
    response = viewer.get(url)
    assert response.status_code == 200
    assert latencies(response) == {"ruby": "unknown", "garbled": "unknown", "empty": "–"}
    assert '<th scope="col" title="How long the oldest job in the queue has waited">Latency' in (
        response.content.decode()
    )
