"""Per-minute counters: the worker counts processed, failures.save counts failed, both expire."""

from __future__ import annotations

import json

from django_resque.queues import lists as queues
from django_resque.results import timeline


def test_a_burst_worker_counts_processed_and_failed_jobs_in_this_minute(redis, work_here):
    queues.push("default", json.dumps({"class": "tests.jobs.add", "args": [1, 2]}))
    queues.push("default", json.dumps({"class": "tests.jobs.fail", "args": ["boom"]}))
    work_here("default")
    points = timeline.series(5)
    assert sum(p.processed for p in points) == 2
    assert sum(p.failed for p in points) == 1
    minute_keys = redis.keys("resque:dj:stat:*:minute:*")
    # one key per counter and minute: two, or three when the burst straddled a minute's end
    assert {key.split(b":")[3] for key in minute_keys} == {b"processed", b"failed"}
    assert len(minute_keys) <= 3
    assert all(0 < redis.ttl(k) <= timeline.RETENTION_SECONDS for k in minute_keys)


def test_series_fills_idle_minutes_with_zeros_oldest_first(redis):
    now = 1_800_000_000.0
    redis.set(f"resque:dj:stat:processed:minute:{timeline.minute_of(now) - 2}", 7)
    points = timeline.series(3, now=now)
    assert [p.processed for p in points] == [7, 0, 0]
    assert points[0].minute < points[-1].minute


def test_series_length_is_clamped_to_a_day(redis):
    assert len(timeline.series(10**9)) == timeline.MAX_MINUTES
    assert len(timeline.series(-4)) == 1
