"""worker_registry: what the admin shows about workers, read from the keys any Resque writes."""

import json
import os
from datetime import UTC, datetime

from django_resque.monitoring import workers as worker_registry
from tests import jobs
from tests.helpers import sampling


def test_a_ruby_worker_is_listed_with_its_record_counts_and_staleness(redis):
    wid = "web1:4242:critical,high"
    redis.sadd("resque:workers", wid)
    redis.set(f"resque:worker:{wid}:started", "2026-01-12 15:23:55 -0500")
    redis.hset("resque:workers:heartbeat", wid, "2000-01-12T20:23:55+00:00")
    redis.set(f"resque:stat:processed:{wid}", 7)
    redis.set(f"resque:stat:failed:{wid}", 2)
    record = {"queue": "high", "run_at": "2026-01-12T20:23:55Z", "payload": {"class": "X"}}
    redis.set(f"resque:worker:{wid}", json.dumps(record))

    (info,) = worker_registry.all()
    assert (info.id, info.host, info.pid, info.queues) == (wid, "web1", 4242, ("critical", "high"))
    assert info.started_at == datetime(2026, 1, 12, 20, 23, 55, tzinfo=UTC)
    assert info.heartbeat_at == datetime(2000, 1, 12, 20, 23, 55, tzinfo=UTC)
    assert info.is_stale
    assert (info.processed, info.failed) == (7, 2)
    assert info.job == record and info.state == "working"
    assert worker_registry.get(wid) == info
    assert worker_registry.get("nobody:1:default") is None


def test_a_worker_that_never_heartbeats_is_not_called_stale(redis):
    redis.sadd("resque:workers", "php:1:default")
    (info,) = worker_registry.all()
    assert info.heartbeat_at is None and not info.is_stale and info.job is None
    assert info.state == "idle"


def test_a_running_worker_is_fresh_and_shows_its_job(redis, ledger, work_here):
    jobs.sleep_for.delay(ledger, 0.3)
    with sampling(worker_registry.all) as seen:
        work_here("default")
    (info,) = next(infos for infos in seen if any(i.job is not None for i in infos))
    assert info.pid == os.getpid() and not info.is_stale
    assert info.job is not None and info.job["payload"]["class"] == "tests.jobs.sleep_for"
