"""Schedules: static entries from settings, dynamic ones in Redis, and the read API."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from django_resque.exceptions import InvalidJob
from django_resque.scheduler import schedules

SCHEDULE = {
    "nightly": {
        "cron": "30 2 * * *",
        "job": "tests.jobs.add",
        "args": [1, 2],
        "timezone": "Europe/Berlin",
        "description": "the nightly report",
    },
    "often": {"every": 60, "job": "tests.jobs.add", "kwargs": {"a": 1, "b": 2}, "queue": "low"},
}


@pytest.fixture(autouse=True)
def schedule(settings, redis):
    settings.RESQUE = {**settings.RESQUE, "SCHEDULE": SCHEDULE}


def test_entries_list_static_entries_with_their_next_run(redis):
    now = int(datetime(2026, 10, 25, 0, 0, tzinfo=UTC).timestamp())
    nightly, often = schedules.entries(now=now)
    assert nightly.name == "nightly" and nightly.cron == "30 2 * * *" and not nightly.dynamic
    assert nightly.next_run_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert often.every == 60 and often.queue == "low"
    assert often.next_run_at == datetime(2026, 10, 25, 0, 1, tzinfo=UTC)
    assert often.last_run_at is None and not often.paused


def test_dynamic_entries_are_stored_in_resque_schedulers_hash_and_can_change(redis):
    schedules.set("cleanup", every="5m", job="tests.jobs.add", args=[1, 1])
    stored = json.loads(redis.hget("resque:persistent_schedules", "cleanup"))
    assert list(stored)[:3] == ["class", "every", "args"] and stored["every"] == "300s"
    assert redis.smembers("resque:schedules_changed") == {b"cleanup"}
    assert schedules.get("cleanup").dynamic
    schedules.set("cleanup", cron="0 * * * *", job="tests.jobs.add")
    assert schedules.get("cleanup").cron == "0 * * * *"
    schedules.pause("cleanup")
    assert schedules.get("cleanup").paused
    schedules.resume("cleanup")
    assert not schedules.get("cleanup").paused
    assert schedules.remove("cleanup") is True
    assert schedules.get("cleanup") is None
    with pytest.raises(InvalidJob, match="RESQUE"):
        schedules.remove("nightly")


def test_a_bad_dynamic_config_is_refused_with_a_sentence_and_stores_nothing(redis):
    with pytest.raises(InvalidJob, match="cron"):
        schedules.set("bad", cron="every day", job="tests.jobs.add")
    with pytest.raises(InvalidJob, match="catchup"):
        schedules.set("bad", every=5, job="tests.jobs.add", catchup="sometimes")
    with pytest.raises(InvalidJob, match="timezone"):
        schedules.set("bad", every=5, job="tests.jobs.add", timezone="Mars/Olympus")
    assert redis.hlen("resque:persistent_schedules") == 0


def test_trigger_enqueues_the_entrys_job_now(redis):
    before = time.time()
    handle = schedules.trigger("often")
    (raw,) = redis.lrange("resque:queue:low", 0, -1)
    payload = json.loads(raw)
    assert before <= payload.pop("queue_time") <= time.time()  # triggered now: runnable now
    assert payload == {
        "class": "tests.jobs.add",
        "args": [],
        "kwargs": {"a": 1, "b": 2},
        "id": handle.id,
        "schedule": "often",
    }
    with pytest.raises(InvalidJob, match="no schedule"):
        schedules.trigger("missing")


def test_a_resque_scheduler_config_with_the_zone_in_the_cron_is_understood(redis):
    # What Ruby stores for Resque.set_schedule("ruby", {"cron" => ..., "persist" => true})
    redis.hset(
        "resque:persistent_schedules",
        "ruby",
        '{"cron":"30 2 * * * Europe/Berlin","class":"Billing::Charge","args":"x","persist":true}',
    )
    entry = schedules.get("ruby")
    assert (entry.cron, entry.timezone, entry.job_name, entry.args) == (
        "30 2 * * *",
        "Europe/Berlin",
        "Billing::Charge",
        ["x"],
    )
