"""The Overview's totals and chart, and the Stats page's server facts and key listing."""

from __future__ import annotations

import json

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


def test_the_overview_shows_each_queues_latency_and_unknown_as_a_dash(viewer, redis):
    seconds, _ = redis.time()
    queues.push("php", json.dumps({"class": "Mailer", "args": [], "queue_time": seconds - 190}))
    queues.push("ruby", json.dumps({"class": "Billing::Charge", "args": [5]}))
    html = viewer.get(OVERVIEW).content.decode()
    assert ">Latency</th>" in html
    php = html.split(">php</a></td>", 1)[1].split("</tr>", 1)[0]
    ruby = html.split(">ruby</a></td>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="resque-latency">3 min</td>' in php
    assert "—" in ruby and "no queue_time" in ruby and "0 s" not in ruby


def test_stats_show_the_server_and_our_keys(viewer):
    jobs.add.delay(1, 2)
    html = viewer.get(STATS).content.decode()
    assert "redis_version" in html and "used_memory_human" in html
    assert "resque:queue:default" in html and "<td>list</td>" in html


def test_stats_show_a_string_keys_value_cut_and_escaped(viewer, redis):
    redis.set("resque:stat:processed", 12345)
    redis.set("resque:dj:note", "<script>alert(1)</script>" + "x" * 500)
    html = viewer.get(STATS).content.decode()
    assert '<code class="resque-wrap">12345</code>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "x" * 500 not in html and "(525 bytes)" in html


def test_the_working_table_lists_only_workers_with_a_job(viewer, redis):
    record = {"queue": "default", "run_at": "2026-12-01T20:54:18Z", "payload": {"class": "Busy"}}
    redis.sadd("resque:workers", "idle:1:default", "busy:2:default")
    redis.set("resque:worker:busy:2:default", json.dumps(record))
    response = viewer.get(OVERVIEW)
    assert [row.worker.id for row in response.context["busy"]] == ["busy:2:default"]
    html = response.content.decode()
    assert "Busy" in html and "idle:1:default" not in html
    assert "2 (1 working)" in html


def test_one_worker_on_one_host_is_said_in_the_singular(viewer, redis):
    redis.sadd("resque:workers", "alpha:1:default")
    html = viewer.get("/admin/django_resque/worker/").content.decode()
    assert "1 worker on 1 host." in html
    redis.sadd("resque:workers", "beta:2:default")
    assert "2 workers on 2 hosts." in viewer.get("/admin/django_resque/worker/").content.decode()
