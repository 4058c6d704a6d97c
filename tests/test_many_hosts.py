"""Worker processes on several hosts against one Redis: distinct ids, recovery across hosts, and
a host whose clock is wrong. A host is a worker process with a hostname of its own
(RESQUE_TEST_HOSTNAME, see tests/settings.py); a wrong clock comes from tests/clock_skew."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime

import pytest

from tests import jobs
from tests.helpers import ROOT, wait_until, worker_env

pytestmark = pytest.mark.one_leg(leg=2)  # worker processes racing over Redis

FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "3"}
CLOCK_SKEW = str(ROOT / "tests" / "clock_skew")


def on_host(host: str, *, clock_offset: int = 0) -> dict[str, str]:
    env = {"RESQUE_TEST_HOSTNAME": host, **FAST}
    if clock_offset:
        env["PYTHONPATH"] = os.pathsep.join([CLOCK_SKEW, worker_env()["PYTHONPATH"]])
        env["RESQUE_TEST_CLOCK_OFFSET"] = str(clock_offset)
    return env


def workers_by_host(redis) -> dict[str, list[str]]:
    hosts: dict[str, list[str]] = {}
    for wid in sorted(w.decode() for w in redis.smembers("resque:workers")):
        hosts.setdefault(wid.split(":")[0], []).append(wid)
    return hosts


def started(ledger: str) -> list[list[str]]:
    return [r for r in jobs.read_ledger(ledger) if r[0] == "start"]


def test_a_dead_hosts_job_is_recovered_by_a_live_host_and_a_skewed_clock_changes_nothing(
    redis, ledger, tmp_path, start_worker
):
    doomed = start_worker("--queues", "default", env=on_host("host-a"))
    release = tmp_path / "release"
    handle = jobs.until_file.delay(ledger, "long", str(release), False)
    wait_until(lambda: started(ledger), timeout=30)
    start_worker("--queues", "default", env=on_host("host-b"))
    start_worker("--queues", "default", env=on_host("host-c", clock_offset=-3600))
    wait_until(lambda: len(workers_by_host(redis)) == 3, timeout=30)
    os.kill(doomed.pid, signal.SIGKILL)  # the whole host goes: its child dies with its parent
    doomed.wait(timeout=10)

    (_, again) = wait_until(lambda: len(started(ledger)) == 2 and started(ledger), timeout=30)
    (release.parent / f"release.{again[2]}").touch()  # recovered after 3 s, run again: let it end
    wait_until(lambda: handle.status == "succeeded", timeout=30)
    info = handle.info()
    assert info is not None and info.attempts == 2
    assert info.worker_ids[0].startswith("host-a:")
    assert info.worker_ids[1].split(":")[0] in ("host-b", "host-c")
    assert sorted(workers_by_host(redis)) == ["host-b", "host-c"]  # host-a was pruned

    tokens = [f"t{i}" for i in range(20)]
    for token in tokens:
        jobs.record.delay(ledger, token)
    wait_until(lambda: redis.get("resque:stat:processed") == b"21", timeout=30)
    ran = [r[0] for r in jobs.read_ledger(ledger) if r[0].startswith("t")]
    assert sorted(ran) == sorted(tokens)  # each once, on either live host
    assert redis.llen("resque:failed") == 0
    # The skewed host's heartbeat is Redis TIME, not its own clock an hour behind.
    (skewed,) = workers_by_host(redis)["host-c"]
    beat = datetime.fromisoformat(redis.hget("resque:workers:heartbeat", skewed).decode())
    seconds, _ = redis.time()
    assert abs(datetime.fromtimestamp(seconds, UTC) - beat).total_seconds() < 5


def test_workers_with_the_same_pid_on_different_hosts_have_distinct_ids(redis, start_worker):
    for host in ("web-1", "web-2", "web-3"):
        start_worker("--queues", "default,low", env=on_host(host))
    hosts = wait_until(lambda: len(workers_by_host(redis)) == 3 and workers_by_host(redis))
    assert sorted(hosts) == ["web-1", "web-2", "web-3"]
    ids = [wid for ids in hosts.values() for wid in ids]
    assert len(set(ids)) == 3 and all(wid.endswith(":default,low") for wid in ids)
    tokens = redis.hgetall("resque:dj:incarnations")
    assert len(set(tokens.values())) == 3  # each its own incarnation token
