"""The Schedules page: next and last runs; trigger now, pause, resume, remove dynamic ones."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from django_resque.queues import lists as queues
from django_resque.scheduler import schedules
from tests.admin_pages.conftest import XSS, assert_escaped

LIST = "/admin/django_resque/schedule/"


def dynamic(name: str = "nightly", **cfg: object) -> None:
    schedules.set(name, **{"cron": "0 3 * * *", "job": "tests.jobs.add", "args": [1, 2], **cfg})


def test_the_list_shows_each_schedule_with_its_next_run(viewer):
    dynamic()
    html = viewer.get(LIST).content.decode()
    assert "nightly" in html and "0 3 * * *" in html and "tests.jobs.add" in html
    assert " 03:00:00" in html


def test_trigger_now_enqueues_the_job_once(operator):
    dynamic()
    response = operator.post(LIST + "trigger/", {"name": "nightly"})
    assert response.status_code == 302
    assert queues.size("default") == 1
    assert json.loads(queues.peek("default")[0])["args"] == [1, 2]


def test_trigger_now_of_a_unique_job_still_queued_says_it_was_not_enqueued(operator):
    dynamic(job="tests.jobs.unique_until_executed", args=["ledger", "s", 0])
    operator.post(LIST + "trigger/", {"name": "nightly"})
    response = operator.post(LIST + "trigger/", {"name": "nightly"}, follow=True)
    assert queues.size("default") == 1
    (payload,) = [json.loads(raw) for raw in queues.peek("default")]
    assert f"Not enqueued: tests.jobs.unique_until_executed job {payload['id']}" in (
        response.content.decode()
    )


def test_pause_and_resume(operator):
    dynamic()
    operator.post(LIST + "pause/", {"name": "nightly"})
    assert schedules.get("nightly").paused
    assert "paused" in operator.get(LIST).content.decode()
    operator.post(LIST + "resume/", {"name": "nightly"})
    assert not schedules.get("nightly").paused


def test_remove_asks_first_then_deletes_a_dynamic_schedule(operator):
    dynamic()
    assert "Yes, I’m sure" in operator.post(LIST + "remove/", {"name": "nightly"}).content.decode()
    assert schedules.get("nightly") is not None
    operator.post(LIST + "remove/", {"name": "nightly", "post": "yes"})
    assert schedules.get("nightly") is None


def test_a_static_schedule_cannot_be_removed_from_the_admin(operator, settings):
    static = {"hourly": {"every": "1h", "job": "tests.jobs.add", "args": [1, 1]}}
    with override_settings(RESQUE={**settings.RESQUE, "SCHEDULE": static}):
        response = operator.post(LIST + "remove/", {"name": "hourly", "post": "yes"}, follow=True)
        assert "remove it there" in response.content.decode()
        assert schedules.get("hourly") is not None


def test_actions_on_unknown_schedules_are_404(operator):
    assert operator.post(LIST + "trigger/", {"name": "nope"}).status_code == 404


@pytest.mark.parametrize("probe", XSS)
def test_schedule_descriptions_and_args_are_escaped(viewer, probe):
    dynamic("<script>x</script>", description=probe, args=[probe])
    response = viewer.get(LIST)
    assert response.status_code == 200
    assert_escaped(response.content.decode())
    assert "<script>x</script>" not in response.content.decode()
