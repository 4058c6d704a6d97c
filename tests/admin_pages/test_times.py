"""Every page shows times one way: parsed from any stored form, in the reader's time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from django_resque.failures import registry as failures
from django_resque.jobs.outcome import Outcome
from django_resque.queues import delayed
from django_resque.scheduler import schedules
from django_resque.templatetags.resque_admin import html, parse

MOMENT = datetime(2026, 12, 1, 20, 54, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-12-01T20:54:18Z",
        "2026/12/01 20:54:18 UTC",
        "2026-12-01 20:54:18",
        "2026-12-01T20:54:18+00:00",
        "2026-12-01 21:54:18 +0100",
        "2026/12/01 21:54:18 CET",
        "1796158458",
        1796158458,
        MOMENT,
        MOMENT.replace(tzinfo=None),
    ],
)
def test_every_stored_form_reads_as_the_same_aware_time(stored):
    assert parse(stored) == MOMENT


@pytest.mark.parametrize("stored", ["soon", "2026/12/01 20:54:18 PDT", "2026-13-01 00:00:00", ""])
def test_what_is_no_time_is_shown_as_its_text(stored):
    assert parse(stored) is None
    assert "<time" not in html(stored)


def test_a_time_is_shown_in_the_current_time_zone_with_the_stored_text_in_its_title():
    with timezone.override("Asia/Tokyo"):
        shown = html("2026/12/01 20:54:18 UTC")
    assert shown == (
        '<time datetime="2026-12-01T20:54:18+00:00" '
        'title="2026/12/01 20:54:18 UTC (2026-12-01T20:54:18+00:00)">2026-12-02 05:54:18 JST</time>'
    )


def test_unreadable_text_is_escaped():
    assert html("<script>x</script>\ud800") == "&lt;script&gt;x&lt;/script&gt;\\ud800"


TOKYO = "2026-12-02 05:54:18 JST"


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_failed_pages_show_failed_at_in_the_time_zone(viewer):
    record = failures.build(
        b'{"class":"Job","args":[]}',
        Outcome(ok=False, exception="E", error="e"),
        queue="q",
        worker_id="h:1:q",
    )
    record["failed_at"] = "2026/12/01 20:54:18 UTC"  # as a worker in Berlin or Ruby wrote it
    failures.save(record)
    assert TOKYO in viewer.get("/admin/django_resque/failedjob/").content.decode()
    [failure] = failures.page()
    detail = viewer.get("/admin/django_resque/failedjob/detail/", {"id": failure.id})
    assert TOKYO in detail.content.decode()


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_worker_pages_and_overview_show_times_in_the_time_zone(viewer, redis):
    wid = "host:1:default"
    redis.sadd("resque:workers", wid)
    redis.set(f"resque:worker:{wid}:started", "2026-12-01 20:54:18 +0000")
    redis.hset("resque:workers:heartbeat", wid, "2026-12-01T20:54:18+00:00")
    record = {"queue": "default", "run_at": "2026-12-01T20:54:18Z", "payload": {"class": "J"}}
    redis.set(f"resque:worker:{wid}", json.dumps(record))
    listing = viewer.get("/admin/django_resque/worker/").content.decode()
    assert listing.count(TOKYO) == 3
    detail = viewer.get("/admin/django_resque/worker/detail/", {"id": wid}).content.decode()
    assert detail.count(TOKYO) == 3
    assert TOKYO in viewer.get("/admin/django_resque/overview/").content.decode()


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_delayed_and_schedules_pages_show_times_in_the_time_zone(viewer, redis):
    later = MOMENT.replace(year=2030)  # due in the future, so it stays delayed
    delayed.enqueue_at(later, "tests.jobs.add", 1, 2)
    tokyo = TOKYO.replace("2026", "2030")
    assert tokyo in viewer.get("/admin/django_resque/delayedjob/").content.decode()
    detail = viewer.get("/admin/django_resque/delayedjob/detail/", {"at": int(later.timestamp())})
    assert f"Delayed jobs due {tokyo}" in detail.content.decode()
    schedules.set("nightly", cron="0 3 * * *", job="tests.jobs.add", args=[1, 2])
    page = viewer.get("/admin/django_resque/schedule/").content.decode()
    assert " 03:00:00 JST</time>" in page  # the cron runs in TIME_ZONE, and is read in it


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_overview_chart_labels_its_minutes_in_the_time_zone(viewer):
    response = viewer.get("/admin/django_resque/overview/", {"hours": "1"})
    chart = response.context["chart"]
    now = timezone.localtime(timezone.now())
    first = {(now - timedelta(minutes=m)).strftime("%H:%M") for m in (59, 60)}  # a minute may turn
    assert chart.ticks[0][1] in first
    assert "last 1 h (JST)" in response.content.decode()
