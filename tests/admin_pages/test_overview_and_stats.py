"""The Overview's totals and chart, and the Stats page's server facts and key listing."""

from __future__ import annotations

from django_resque.queues import lists as queues
from django_resque.results import timeline
from tests import jobs

OVERVIEW = "/admin/django_resque/overview/"
STATS = "/admin/django_resque/stats/"


def test_the_chart_plots_this_hours_per_minute_counts(viewer, redis):
    minute = timeline.minute_of()
    redis.set(f"resque:dj:stat:processed:minute:{minute - 1}", 7)
    redis.set(f"resque:dj:stat:failed:minute:{minute - 1}", 2)
    response = viewer.get(OVERVIEW, {"hours": "1"})
    chart = response.context["chart"]
    assert (chart.total_processed, chart.total_failed, chart.peak) == (7, 2, 7)
    assert response.content.decode().count("<polyline") == 2


def test_chart_window_and_refresh_are_clamped(viewer):
    response = viewer.get(OVERVIEW, {"hours": str(10**9), "refresh": "1"})
    assert response.context["hours"] == 24
    assert '<meta http-equiv="refresh" content="2">' in response.content.decode()
    assert viewer.get(OVERVIEW, {"hours": "x", "refresh": "y"}).context["hours"] == 3


def test_the_overview_lists_queues_with_sizes_and_paused_state(viewer):
    jobs.add.delay(1, 2)
    queues.pause("default")
    html = viewer.get(OVERVIEW).content.decode()
    assert "default" in html and "paused" in html


def test_stats_show_the_server_and_our_keys(viewer):
    jobs.add.delay(1, 2)
    html = viewer.get(STATS).content.decode()
    assert "redis_version" in html and "used_memory_human" in html
    assert "resque:queue:default" in html and "<td>list</td>" in html
