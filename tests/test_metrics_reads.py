"""The metrics read API: the job table, a job's detail and the queue waits over each window.

The hashes are written here in the layout `storage/metric_keys.py` documents (what the worker's
scripts write is tested in test_metrics_recording.py), so these tests also pin that layout.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from django_resque.metrics import buckets, reads
from django_resque.storage.keys import get_keys

NOW = 1_800_000_000.0  # a fixed moment: minute NOW // 60, hour NOW // 3600
MINUTE, HOUR = int(NOW // 60), int(NOW // 3600)


def put_job(redis, step, period, name, *, durations_ms=(), failed=0, retried=0, queue="default"):
    key = get_keys().metrics_job(step, period, name)
    for ms in durations_ms:
        redis.hincrby(key, "n", 1)
        redis.hincrby(key, "us", int(ms * 1000))
        redis.hincrby(key, str(buckets.bucket_of(ms)), 1)
    if failed:
        redis.hincrby(key, "f", failed)
    if retried:
        redis.hincrby(key, "r", retried)
    redis.hincrby(get_keys().metrics_totals(), f"p\n{queue}\n{name}", len(durations_ms))


def put_wait(redis, step, period, queue, waits_ms):
    key = get_keys().metrics_wait(step, period, queue)
    for ms in waits_ms:
        redis.hincrby(key, "n", 1)
        redis.hincrby(key, "us", int(ms * 1000))
        redis.hincrby(key, str(buckets.bucket_of(ms)), 1)


def test_the_windows_are_an_hour_and_eight_by_minute_a_day_and_three_by_hour():
    spans = {name: (w.step, w.seconds * w.steps) for name, w in reads.WINDOWS.items()}
    assert spans == {
        "1h": ("m", 3600),
        "8h": ("m", 8 * 3600),
        "24h": ("h", 24 * 3600),
        "3d": ("h", 72 * 3600),
    }


@pytest.mark.parametrize("call", [reads.job_table, reads.queue_waits])
def test_an_unknown_window_is_a_value_error_that_names_the_windows(call):
    with pytest.raises(ValueError, match="Unknown metrics window '2h': use one of 1h, 8h, 24h, 3d"):
        call("2h", now=NOW)


def test_the_job_table_adds_up_the_minutes_of_the_window_and_leaves_out_older_ones(redis):
    put_job(redis, "m", MINUTE, "app.send", durations_ms=[10, 10, 40], failed=1)
    put_job(redis, "m", MINUTE - 59, "app.send", durations_ms=[400], failed=1, retried=1)
    put_job(redis, "m", MINUTE - 60, "app.send", durations_ms=[9000])  # outside the hour
    put_job(redis, "m", MINUTE - 61, "app.old", durations_ms=[10])  # ran, not in the window
    (row,) = reads.job_table("1h", now=NOW)
    assert (row.name, row.runs, row.failures) == ("app.send", 4, 2)
    assert row.failure_rate == 0.5 and row.total_ms == 460.0
    assert 0 < row.p50_ms <= 20 and 335 < row.p99_ms <= 500
    assert row.p50_ms <= row.p95_ms <= row.p99_ms


def test_the_wider_windows_read_hour_keys(redis):
    put_job(redis, "h", HOUR - 23, "app.send", durations_ms=[50])
    put_job(redis, "h", HOUR - 71, "app.send", durations_ms=[60, 70], failed=2)
    assert [(r.runs, r.failures) for r in reads.job_table("24h", now=NOW)] == [(1, 0)]
    assert [(r.runs, r.failures) for r in reads.job_table("3d", now=NOW)] == [(3, 2)]
    assert reads.job_table("1h", now=NOW) == []


@pytest.mark.parametrize("offset", [0, 1, 1234, 3599])
def test_the_eight_hour_table_reads_whole_hours_from_hour_keys_and_agrees_with_the_minutes(
    redis, offset
):
    now = NOW + offset
    last = int(now // 60)
    first = last - 8 * 60 + 1
    minutes = [first - 1, first, first + 1, -(-first // 60) * 60 - 1, -(-first // 60) * 60]
    minutes += [last - 61, last - 1, last]
    for minute in dict.fromkeys(minutes):  # as the worker writes: a minute and its hour alike
        for step, period in (("m", minute), ("h", minute // 60)):
            put_job(redis, step, period, "app.send", durations_ms=[minute % 7 + 1])
    inside = [m for m in dict.fromkeys(minutes) if first <= m <= last]
    cover = reads.WINDOWS["8h"].cover(now)
    assert len(cover) < 60 + 10  # not 480 keys a job
    (row,) = reads.job_table("8h", now=now)
    assert row.runs == len(inside)
    assert row.total_ms == sum(m % 7 + 1 for m in inside)


def test_a_job_detail_has_one_step_per_minute_with_its_heat_map(redis):
    put_job(redis, "m", MINUTE, "app.send", durations_ms=[10, 500], failed=1)
    put_job(redis, "m", MINUTE - 2, "app.send", durations_ms=[100_000_000])
    detail = reads.job_detail("app.send", "1h", now=NOW)
    assert detail.name == "app.send" and detail.window == "1h"
    assert len(detail.times) == len(detail.runs) == len(detail.heat) == 60
    assert detail.times[-1] == datetime.fromtimestamp(MINUTE * 60, UTC)
    assert detail.times[0] == datetime.fromtimestamp((MINUTE - 59) * 60, UTC)
    assert detail.runs[-3:] == [1, 0, 2] and detail.failures[-3:] == [0, 0, 1]
    assert all(len(row) == buckets.COUNT for row in detail.heat)
    assert detail.heat[-1][buckets.bucket_of(10)] == 1 and detail.heat[-1][8] == 1
    assert detail.heat[-3][buckets.COUNT - 1] == 1  # beyond 335 s: the last bucket
    assert sum(map(sum, detail.heat)) == 3


def test_a_job_that_never_ran_has_a_detail_of_zeros(redis):
    detail = reads.job_detail("app.never", "24h", now=NOW)
    assert len(detail.times) == 24 and detail.runs == [0] * 24
    assert detail.heat == [[0] * buckets.COUNT] * 24


def test_hostile_fields_and_keys_of_another_type_read_as_zero(redis):
    keys = get_keys()
    key = keys.metrics_job("m", MINUTE, "app.send")
    redis.hset(key, mapping={"n": "many", "f": "-4", "us": "1e9", "3": "x", "27": 5, "junk": 1})
    redis.hset(key, "2", 2)
    redis.hset(keys.metrics_totals(), mapping={"p\ndefault\napp.send": 1, "bad": 1, "p\n\n": 1})
    redis.set(keys.metrics_job("m", MINUTE - 1, "app.send"), "a string")
    (row,) = reads.job_table("1h", now=NOW) or [None]
    assert row is None  # n is not a number: no runs counted, so no row
    detail = reads.job_detail("app.send", "1h", now=NOW)
    assert detail.runs[-1] == 0 and detail.failures[-1] == 0
    assert detail.heat[-1][2] == 2 and sum(detail.heat[-1]) == 2
    assert detail.runs[-2] == 0


def test_a_totals_key_of_another_type_reads_as_no_jobs(redis):
    redis.set(get_keys().metrics_totals(), "not a hash")
    redis.set(get_keys().queues(), "not a set")
    assert reads.job_table("1h", now=NOW) == []
    assert reads.queue_waits("1h", now=NOW) == []


def test_queue_waits_cover_every_known_queue_with_quantiles_where_jobs_were_taken(redis):
    redis.sadd(get_keys().queues(), "default", "idle")
    put_wait(redis, "m", MINUTE, "default", [5, 5, 5, 2000])
    put_wait(redis, "m", MINUTE - 30, "default", [5])
    waits = {w.queue: w for w in reads.queue_waits("1h", now=NOW)}
    assert set(waits) == {"default", "idle"}
    assert waits["default"].jobs == 5 and waits["default"].p50_ms <= 20
    assert 1700 < waits["default"].p95_ms <= 2500
    assert waits["idle"] == reads.QueueWait("idle", 0, None, None)


def test_a_queue_wait_series_has_p50_and_p95_per_minute(redis):
    put_wait(redis, "m", MINUTE, "default", [5, 5, 2000])
    series = reads.queue_wait_series("default", "1h", now=NOW)
    assert series.queue == "default" and series.window == "1h" and len(series.times) == 60
    assert series.jobs[-1] == 3 and series.jobs[:-1] == [0] * 59
    assert series.p50_ms[-1] <= 20 and 1700 < series.p95_ms[-1] <= 2500
    assert series.p50_ms[0] is None and series.p95_ms[0] is None
