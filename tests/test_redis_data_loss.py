"""A worker whose Redis lost its data says so loudly, then goes on serving the new Redis."""

from __future__ import annotations

import signal

import pytest
import redis as redis_py

from tests.helpers import RedisServer, wait_until

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
