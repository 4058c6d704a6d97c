"""The duration histogram's buckets and quantiles, and queue latency from payloads' queue_time."""

from __future__ import annotations

import json

import pytest

from django_resque.metrics import buckets, latency


@pytest.mark.parametrize(
    ("ms", "index"),
    [(0, 0), (20, 0), (20.5, 1), (100, 4), (335_000, 24), (335_001, 25), (10**9, 25)],
)
def test_a_duration_falls_in_the_bucket_whose_bounds_hold_it(ms, index):
    assert buckets.bucket_of(ms) == index
    assert buckets.COUNT == 26


def test_quantiles_interpolate_inside_a_bucket_and_the_last_bucket_means_at_least():
    counts = [0] * buckets.COUNT
    assert buckets.quantile_ms(counts, 0.5) is None
    counts[4] = 10  # (65, 100] ms
    assert buckets.quantile_ms(counts, 0.5) == pytest.approx(82.5)
    assert buckets.quantile_ms(counts, 1.0) == pytest.approx(100)
    counts[25] = 90  # over 335 s
    assert buckets.quantile_ms(counts, 0.99) == 335_000


def test_the_oldest_jobs_age_comes_from_its_queue_time_and_is_unknown_without_one(redis):
    now = float(redis.time()[0])
    redis.rpush("resque:queue:php", json.dumps({"class": "J", "args": [], "queue_time": now - 30}))
    redis.rpush("resque:queue:php", json.dumps({"class": "J", "args": [], "queue_time": now}))
    redis.rpush("resque:queue:ruby", b'{"class":"J","args":[]}')
    for hostile in (b"not json", b'{"queue_time":"soon"}', b'{"queue_time":true}', b"[1]"):
        redis.rpush("resque:queue:odd", hostile)
    ages = latency.oldest_ages(["php", "ruby", "empty", "odd"])
    assert 29 <= ages["php"] <= 40
    assert ages["ruby"] is None and ages["empty"] is None and ages["odd"] is None
