"""The Prometheus endpoint: both renderings parse, counters come from Redis and never go back."""

from __future__ import annotations

import json
import math
import sys
import time

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from django_resque.metrics import exposition, families
from django_resque.storage import connection
from django_resque.storage.keys import get_keys
from tests import jobs as test_jobs
from tests.helpers import run_command

URL = "/resque/metrics/"


def parsed(text: str) -> dict[str, dict[tuple, float]]:
    """{family name: {(sample name, sorted labels): value}}."""
    out: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        samples = out.setdefault(family.name, {})
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def scrape() -> dict[str, dict[tuple, float]]:
    body, _ = exposition.render()
    return parsed(body.decode())


def counters(scraped) -> dict[tuple, float]:
    names = ("resque_jobs_processed", "resque_jobs_failed", "resque_jobs_retried")
    return {key: v for name in names for key, v in scraped.get(name, {}).items()}


@pytest.fixture
def ran(redis, work_here):
    for i in range(3):
        test_jobs.add.delay(i, 1)
    test_jobs.fail.delay("boom")
    work_here("default", fork=False)


def test_both_renderings_are_the_same_text_and_parse(redis, ran):
    redis.hset(get_keys().metrics_totals(), 'p\ndefault\nodd "name" \\ here', 1)
    gathered = families.gather()
    client_body, client_type = exposition.with_client(gathered)
    plain = exposition.plain_text(gathered)
    assert plain == client_body.decode()
    assert client_type.startswith("text/plain")
    names = {f.name for f in text_string_to_metric_families(plain)}
    assert names >= {
        "resque_jobs_processed",
        "resque_jobs_failed",
        "resque_job_duration_seconds",
        "resque_queue_length",
        "resque_queue_latency_seconds",
        "resque_workers",
        "resque_failed_jobs",
        "resque_delayed_jobs",
    }
    assert (
        parsed(plain)["resque_jobs_processed"][
            ("resque_jobs_processed_total", (("job", 'odd "name" \\ here'), ("queue", "default")))
        ]
        == 1
    )


def test_without_prometheus_client_the_plain_text_is_served(redis, ran, monkeypatch):
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import fails
    body, content_type = exposition.render()
    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert "resque_jobs_processed" in parsed(body.decode())


def test_the_figures_are_what_the_worker_ran(redis, ran):
    redis.rpush("resque:queue:ruby", '{"class":"Emailer","args":[]}')  # no queue_time
    redis.sadd("resque:queues", "ruby")
    test_jobs.add.using(queue="ours").delay(1, 1)
    redis.rpush("resque:delayed:2000000000", "{}")
    redis.zadd("resque:delayed_queue_schedule", {"2000000000": 2000000000})
    got = scrape()
    job = ("job", "tests.jobs.add")
    assert (
        got["resque_jobs_processed"][("resque_jobs_processed_total", (job, ("queue", "default")))]
        == 3
    )
    failed = ("resque_jobs_failed_total", (("job", "tests.jobs.fail"), ("queue", "default")))
    assert got["resque_jobs_failed"][failed] == 1
    histogram = got["resque_job_duration_seconds"]
    assert histogram[("resque_job_duration_seconds_count", (job,))] == 3
    assert histogram[("resque_job_duration_seconds_bucket", (job, ("le", "+Inf")))] == 3
    assert histogram[("resque_job_duration_seconds_bucket", (job, ("le", "335.0")))] == 3
    assert 0 < histogram[("resque_job_duration_seconds_sum", (job,))] < 60
    bounds = [
        v
        for (name, labels), v in histogram.items()
        if name.endswith("_bucket") and labels[0] == job
    ]
    assert bounds == sorted(bounds) and len(bounds) == 26  # cumulative, 25 bounds and +Inf
    lengths = got["resque_queue_length"]
    assert lengths[("resque_queue_length", (("queue", "default"),))] == 0
    assert lengths[("resque_queue_length", (("queue", "ruby"),))] == 1
    latency = got["resque_queue_latency_seconds"]
    assert latency[("resque_queue_latency_seconds", (("queue", "default"),))] == 0
    assert math.isnan(latency[("resque_queue_latency_seconds", (("queue", "ruby"),))])
    assert 0 <= latency[("resque_queue_latency_seconds", (("queue", "ours"),))] < 60
    assert got["resque_workers"] == {
        ("resque_workers", (("state", "idle"),)): 0,
        ("resque_workers", (("state", "working"),)): 0,
    }
    assert got["resque_failed_jobs"] == {("resque_failed_jobs", ()): 1}
    assert got["resque_delayed_jobs"] == {("resque_delayed_jobs", ()): 1}


def test_counters_never_decrease_across_worker_restarts(redis):
    seen = []
    for round_ in range(3):
        for i in range(2 + round_):
            test_jobs.add.delay(i, 1)
        test_jobs.fail.delay("boom")
        result = run_command("resque_work", "--burst")  # a new worker process each time
        assert result.returncode == 0, result.stdout + result.stderr
        seen.append(counters(scrape()))
    for before, after in zip(seen, seen[1:], strict=False):
        assert set(before) <= set(after)
        assert all(after[key] >= value for key, value in before.items())
    processed = ("resque_jobs_processed_total", (("job", "tests.jobs.add"), ("queue", "default")))
    assert [s[processed] for s in seen] == [2, 5, 9]


def test_hostile_metrics_data_is_exported_as_zero_not_a_500(redis, staff):
    keys = get_keys()
    redis.hset(keys.metrics_totals(), mapping={"p\ndefault\ntests.jobs.add": "many", "junk": 1})
    redis.set(keys.metrics_duration("tests.jobs.add"), "a string")
    redis.set(keys.failed(), "not a list")
    redis.rpush("resque:queue:default", json.dumps({"class": "x", "args": [], "queue_time": "x"}))
    response = staff.get(URL)
    assert response.status_code == 200
    got = parsed(response.content.decode())
    key = ("resque_jobs_processed_total", (("job", "tests.jobs.add"), ("queue", "default")))
    assert got["resque_jobs_processed"][key] == 0
    assert got["resque_failed_jobs"] == {("resque_failed_jobs", ()): 0}


@pytest.fixture
def staff(db) -> Client:
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_overview"))
    client = Client()
    client.force_login(user)
    return client


def test_the_endpoint_opens_to_staff_with_the_permission_or_the_bearer_token(
    redis, db, settings, staff
):
    settings.RESQUE = {**settings.RESQUE, "METRICS_TOKEN": "s3cret-token"}
    assert staff.get(URL).status_code == 200
    anonymous = Client()
    assert anonymous.get(URL).status_code == 403
    assert b"Bearer" in anonymous.get(URL).content
    ok = anonymous.get(URL, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")
    assert "resque_workers" in parsed(ok.content.decode())
    for bad in ("Bearer wrong", "Bearer ", "Basic s3cret-token", "s3cret-token"):
        assert anonymous.get(URL, headers={"Authorization": bad}).status_code == 403
    plain = User.objects.create_user("plain", password="pw", is_staff=True)
    other = Client()
    other.force_login(plain)
    assert other.get(URL).status_code == 403  # staff without the view permission


def test_no_token_setting_means_no_token_opens_it(redis, db):
    assert Client().get(URL, headers={"Authorization": "Bearer "}).status_code == 403
    assert Client().get(URL, headers={"Authorization": "Bearer None"}).status_code == 403


def test_redis_down_is_a_503_with_a_sentence_and_retry_after(redis, settings, staff):
    from django_resque import conf

    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": "redis://127.0.0.1:1/0"}
    conf._config.cache_clear()
    connection.reset()
    try:
        started = time.monotonic()
        response = staff.get(URL)
    finally:
        conf._config.cache_clear()
        connection.reset()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.content == b"Redis, the job store, is not answering.\n"
    assert time.monotonic() - started < 30
