"""The Delayed jobs page: due times soonest first; enqueue now, remove one time, clear all."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from django_resque.queues import delayed
from django_resque.queues import lists as queues
from tests.admin_pages.conftest import XSS, assert_escaped

LIST = "/admin/django_resque/delayedjob/"
DETAIL = "/admin/django_resque/delayedjob/detail/"
SOON = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)


def later(n: int = 0) -> datetime:
    return SOON + timedelta(minutes=n)


def test_the_list_shows_due_times_soonest_first_with_their_jobs(viewer):
    delayed.enqueue_at(later(5), "tests.jobs.add", 5, 5)
    delayed.enqueue_at(later(1), "tests.jobs.add", 1, 1)
    delayed.enqueue_at(later(1), "tests.jobs.add", 2, 2)
    rows = viewer.get(LIST).context["page"].object_list
    assert [r["count"] for r in rows] == [2, 1]
    assert rows[0]["at"] == later(1)
    html = viewer.get(DETAIL, {"at": int(later(1).timestamp())}).content.decode()
    assert html.count("tests.jobs.add") == 2


def test_a_time_with_nothing_due_is_a_404(viewer):
    assert viewer.get(DETAIL, {"at": "12"}).status_code == 404
    assert viewer.get(DETAIL, {"at": "x" * 50}).status_code == 404


def test_absurd_page_values_on_delayed_are_clamped(viewer):
    delayed.enqueue_at(later(), "tests.jobs.add", 1, 1)
    for params in ({"page": str(10**12)}, {"per_page": str(10**9)}, {"page": "abc"}):
        assert viewer.get(LIST, params).status_code == 200


def test_enqueue_now_moves_that_times_jobs_onto_their_queue(operator):
    delayed.enqueue_at(later(), "tests.jobs.add", 1, 1)
    response = operator.post(LIST + "enqueue-now/", {"at": int(later().timestamp())})
    assert response.status_code == 302
    assert queues.size("default") == 1
    assert delayed.timestamp_count() == 0


def test_remove_asks_first_then_drops_that_times_jobs(operator):
    delayed.enqueue_at(later(), "tests.jobs.add", 1, 1)
    at = int(later().timestamp())
    assert "Yes, I’m sure" in operator.post(LIST + "remove/", {"at": at}).content.decode()
    assert delayed.timestamp_count() == 1
    operator.post(LIST + "remove/", {"at": at, "post": "yes"})
    assert delayed.timestamp_count() == 0
    assert queues.size("default") == 0


def test_clear_asks_first_then_drops_everything(operator):
    delayed.enqueue_at(later(1), "tests.jobs.add", 1, 1)
    delayed.enqueue_at(later(2), "tests.jobs.add", 2, 2)
    operator.post(LIST + "clear/")
    assert delayed.timestamp_count() == 2
    operator.post(LIST + "clear/", {"post": "yes"})
    assert delayed.timestamp_count() == 0


def test_a_bad_time_in_an_action_is_a_404(operator):
    assert operator.post(LIST + "enqueue-now/", {"at": "soon"}).status_code == 404


@pytest.mark.parametrize("probe", XSS)
def test_delayed_job_names_queues_and_args_are_escaped(viewer, probe):
    ts = int(later().timestamp())
    delayed.push(ts, json.dumps({"class": probe, "args": [probe], "queue": probe}))
    delayed.push(ts, probe)
    for url, params in [(LIST, {}), (DETAIL, {"at": ts})]:
        response = viewer.get(url, params)
        assert response.status_code == 200
        assert_escaped(response.content.decode())
