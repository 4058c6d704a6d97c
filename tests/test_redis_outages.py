"""Workers and Redis outages: lost data is reported, a down Redis is waited for, never a crash."""

from __future__ import annotations

import signal

import pytest
import redis as redis_py

from django_resque.exceptions import EnqueueError
from tests import jobs
from tests.helpers import RedisServer, wait_until

# Worker processes against redis-servers that stop, restart empty, flush or fill up: about Redis
# and processes, not about Django's version, so scripts/test runs them on one leg only.
pytestmark = pytest.mark.one_leg(leg=2)

FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "3"}


@pytest.fixture
def own_redis():
    """A redis-server of this test's own (no persistence), which it may stop and restart."""
    server = RedisServer().start()
    yield server
    server.stop()


def _worker_registered(client: redis_py.Redis) -> bool:
    return bool(client.smembers("resque:workers"))


def _stop(worker) -> str:
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    return output


def test_a_redis_that_restarted_empty_is_reported_as_lost_jobs(own_redis, start_worker):
    client = redis_py.Redis.from_url(own_redis.url)
    worker = start_worker(
        "--queues", "default", env={"RESQUE_TEST_REDIS_URL": own_redis.url, **FAST}
    )
    wait_until(lambda: _worker_registered(client), timeout=30)
    client.rpush("resque:queue:default", b'{"class":"tests.jobs.add","args":[1,2]}')
    wait_until(lambda: client.get("resque:stat:processed") == b"1", timeout=30)
    port = own_redis.port
    own_redis.stop()  # no persistence: the restart comes back empty
    restarted = RedisServer(port=port).start()
    try:
        client = redis_py.Redis.from_url(restarted.url)
        wait_until(lambda: _worker_registered(client), timeout=30)  # it re-registered
        output = _stop(worker)
    finally:
        restarted.stop()
    (line,) = [x for x in output.splitlines() if "event=redis-data-lost" in x]
    assert "reason=restarted-empty" in line and "appendonly yes" in line


def test_a_flushed_namespace_is_reported_as_lost_jobs(own_redis, start_worker):
    client = redis_py.Redis.from_url(own_redis.url)
    worker = start_worker(
        "--queues", "default", env={"RESQUE_TEST_REDIS_URL": own_redis.url, **FAST}
    )
    wait_until(lambda: _worker_registered(client), timeout=30)
    client.flushall()  # our own server: as an operator's FLUSHALL would
    wait_until(lambda: _worker_registered(client), timeout=30)
    output = _stop(worker)
    (line,) = [x for x in output.splitlines() if "event=redis-data-lost" in x]
    assert "reason=namespace-emptied namespace=resque" in line


def test_a_worker_started_while_redis_is_down_waits_for_it_then_works(start_worker, tmp_path):
    server = RedisServer()  # its port is free: nothing listens there yet
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        env = {"RESQUE_TEST_REDIS_URL": server.url}
        worker = start_worker("--queues", "default", env=env, stdout=out)
    retrying = f"event=redis-unavailable redis={server.url} retry_in="
    wait_until(lambda: log.read_text().count(retrying) >= 2, timeout=60)  # a few logged retries
    assert worker.poll() is None  # waiting, not crashed
    server.start()
    try:
        client = redis_py.Redis.from_url(server.url)
        wait_until(lambda: _worker_registered(client), timeout=30)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    finally:
        server.stop()
    output = log.read_text()
    assert worker.returncode == 0, output
    assert "Traceback" not in output


def test_a_worker_whose_redis_vanished_before_it_stopped_exits_cleanly(own_redis, start_worker):
    client = redis_py.Redis.from_url(own_redis.url)
    worker = start_worker("--queues", "default", env={"RESQUE_TEST_REDIS_URL": own_redis.url})
    wait_until(lambda: _worker_registered(client), timeout=30)
    own_redis.stop()  # as a terminal's Ctrl-C reaches a redis-server started beside it
    output = _stop(worker)
    assert worker.returncode == 0, output
    assert "Traceback" not in output
    assert "event=shutdown-incomplete" in output


def test_workers_drain_a_redis_at_maxmemory_and_enqueue_fails_clearly_until_they_do(
    start_worker, settings
):
    full = RedisServer(extra=["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"]).start()
    try:
        client = redis_py.Redis.from_url(full.url)
        # 20 kB payloads pushed 100 kB at a time: Redis ends as close to maxmemory as with many
        # small ones, and the worker drains it in a couple of hundred forked jobs.
        payload = b'{"class":"tests.jobs.add","args":[1,2],"pad":"' + b"x" * 20_000 + b'"}'
        with pytest.raises(redis_py.exceptions.OutOfMemoryError):
            while True:  # fill it as a burst of enqueues would
                client.rpush("resque:queue:default", *[payload] * 5)
        queued = client.llen("resque:queue:default")
        settings.RESQUE = {**settings.RESQUE, "REDIS_URL": full.url}
        with pytest.raises(EnqueueError, match="maxmemory.* Nothing was stored") as refused:
            jobs.add.delay(1, 2)
        assert refused.value.outcome_unknown is False
        worker = start_worker(
            "--burst", "--queues", "default", env={"RESQUE_TEST_REDIS_URL": full.url}
        )
        output, _ = worker.communicate(timeout=120)  # a new worker registers on a full Redis
        assert worker.returncode == 0, output
        assert "Traceback" not in output
        assert client.llen("resque:queue:default") == 0
        assert int(client.get("resque:stat:processed")) == queued
        jobs.add.delay(1, 2)  # memory is free again
    finally:
        full.stop()
