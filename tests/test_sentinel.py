"""Redis behind Sentinel, and enqueues acknowledged by replicas, against real processes.

A primary, two replicas and three sentinels run as real redis-server processes on loopback
ports (tests/sentinel_set.py); a failover is a SIGKILL of the primary, which the sentinels
notice after their one-second down-after-milliseconds.
"""

import contextlib
import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
import redis as redis_py
from django.conf import settings
from django.test import override_settings

from django_resque import EnqueueError, EnqueueOutcomeUnknown
from django_resque.checks import deploy
from django_resque.queues import lists as queues
from django_resque.storage import connection, sentinel
from tests import jobs as test_jobs
from tests.helpers import ONE_TRY, ROOT, RedisServer, manage, wait_until, worker_env
from tests.producers import Producer
from tests.sentinel_set import MASTER, SentinelProcess, SentinelSet, sentinel_supported

_unsupported = sentinel_supported()
pytestmark = pytest.mark.skipif(bool(_unsupported), reason=_unsupported or "supported")


def with_resque(**changes):
    return override_settings(RESQUE={**settings.RESQUE, **changes})


@pytest.fixture(scope="module")
def sentinels():
    """One sentinel set for the tests that leave its primary alive."""
    started = SentinelSet().start()
    yield started
    started.stop()


@pytest.fixture
def failover_set():
    """A sentinel set of the test's own, whose primary the test kills."""
    started = SentinelSet().start()
    yield started
    started.stop()


def _direct(port: int, db: int = 0) -> redis_py.Redis:
    return redis_py.Redis(port=port, db=db, socket_timeout=2, retry=ONE_TRY)


def test_a_sentinel_whose_port_another_server_took_first_starts_on_another(sentinels):
    taken = RedisServer().start()
    sentinel = SentinelProcess(sentinels.primary.port, quorum=2, down_after_ms=1000)
    sentinel.port = taken.port  # as if bound by another process after free_port() chose it
    try:
        sentinel.start()
        assert sentinel.port != taken.port
        assert sentinel.client().info("server")["process_id"] == sentinel.process.pid
    finally:
        sentinel.stop()
        taken.stop()


def test_sentinel_settings_give_a_client_on_the_primary_the_sentinels_name(sentinels):
    resque = {"SENTINELS": sentinels.addresses, "SENTINEL_MASTER": MASTER}
    with with_resque(**resque, REDIS_URL="redis://:secret-not-used@ignored-host/0"):
        client = connection.get_redis()
        assert client.connection_pool.get_master_address() == ("127.0.0.1", sentinels.primary.port)
        where = connection.describe()
    assert f"primary '{MASTER}' (db 0)" in where
    assert f"127.0.0.1:{sentinels.sentinels[0].port}" in where and "secret" not in where


def test_a_kept_connection_that_reconnects_asks_the_sentinels_where_the_primary_is(sentinels):
    with with_resque(REDIS_URL=sentinels.url):
        client = connection.build_client(single_connection=True)  # as a forked child's
    try:
        conn = client.connection
        conn.disconnect()
        conn.port = RedisServer().port  # the address it had: a primary gone since (refused)
        assert client.ping()
        assert conn.port == sentinels.primary.port
    finally:
        client.close()


def test_a_rediss_url_under_sentinel_gives_tls_connections_that_follow_the_primary(sentinels):
    resque = {"SENTINELS": sentinels.addresses, "SENTINEL_MASTER": MASTER}
    with with_resque(**resque, REDIS_URL="rediss://unused/0?ssl_cert_reqs=none"):
        tls = connection.get_redis().connection_pool
    with with_resque(**resque, REDIS_URL="redis://unused/0"):
        plain = connection.get_redis().connection_pool
    assert tls.connection_class is sentinel.FollowingSSLConnection
    assert tls.connection_kwargs["ssl_cert_reqs"] == "none"
    assert plain.connection_class is sentinel.FollowingConnection


def test_a_redis_sentinel_url_names_the_sentinels_the_primary_and_the_db(sentinels, redis):
    primary = _direct(sentinels.primary.port)
    primary.flushall()
    with with_resque(REDIS_URL=sentinels.url.replace("/0", "/3")):
        test_jobs.add.delay(1, 2)
        assert "(db 3)" in connection.describe()
    assert _direct(sentinels.primary.port, db=3).llen("resque:queue:default") == 1


def test_enqueue_replicas_returns_once_that_many_replicas_hold_the_payload(sentinels):
    primary = _direct(sentinels.primary.port)
    primary.flushall()
    with with_resque(REDIS_URL=sentinels.url, ENQUEUE_REPLICAS=2):
        test_jobs.add.delay(1, 2)
        test_jobs.add.enqueue_many([(3, 4), (5, 6)])
        # Straight after .delay() returns, each replica already has every payload.
        assert [_direct(r.port).llen("resque:queue:default") for r in sentinels.replicas] == [3, 3]


def test_too_few_replicas_in_time_is_outcome_unknown_with_the_payload_on_the_primary(sentinels):
    primary = _direct(sentinels.primary.port)
    primary.flushall()
    settings_ = {"ENQUEUE_REPLICAS": 3, "ENQUEUE_REPLICAS_TIMEOUT": 100}
    with with_resque(REDIS_URL=sentinels.url, **settings_):
        with pytest.raises(EnqueueOutcomeUnknown, match="only 2 of 3 replica") as info:
            test_jobs.add.delay(1, 2)
        with pytest.raises(EnqueueOutcomeUnknown, match="of 3 replica"):
            test_jobs.add.enqueue_many([(3, 4)])
    assert info.value.outcome_unknown is True
    assert primary.llen("resque:queue:default") == 2  # stored; only their durability is unknown


def test_a_replica_refuses_an_enqueue_as_unavailable_and_nothing_is_stored(sentinels):
    replica = sentinels.replicas[0]
    with (
        with_resque(REDIS_URL=f"redis://127.0.0.1:{replica.port}/0"),
        pytest.raises(EnqueueError, match="Nothing was stored") as info,
    ):
        test_jobs.add.delay(1, 2)
    assert info.value.outcome_unknown is False
    assert "read only replica" in str(info.value)
    assert isinstance(info.value.__cause__, redis_py.RedisError)
    assert connection.unavailable(info.value.__cause__)


@pytest.mark.one_leg(leg=2)  # a worker process against a replica: Redis, not Django, is the subject
def test_a_worker_pointed_at_a_replica_waits_and_logs_instead_of_crashing(
    sentinels, start_worker, tmp_path
):
    log = tmp_path / "worker.log"
    url = f"redis://127.0.0.1:{sentinels.replicas[0].port}/0"
    with log.open("w") as out:
        worker = start_worker("--queues", "default", env={"RESQUE_TEST_REDIS_URL": url}, stdout=out)
    wait_until(lambda: "event=redis-unavailable" in log.read_text(), timeout=30)
    assert "read only replica" in log.read_text()
    assert worker.poll() is None  # waiting for a primary, not crashed


def _performed(ledger: str) -> list[str]:
    return [row[0] for row in test_jobs.read_ledger(ledger)]


@pytest.fixture
def start_scheduler(tmp_path):
    """Start `manage.py resque_scheduler` as a real process; kill it by pid at the end."""
    started = []

    def start(url):
        out = (tmp_path / "scheduler.log").open("w")
        started.append(
            subprocess.Popen(
                manage("resque_scheduler", "--interval", "0.2"),
                env=worker_env(RESQUE_TEST_REDIS_URL=url),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        )
        out.close()
        return started[-1]

    yield start
    for proc in started:
        proc.kill()
        proc.wait(timeout=10)


def _processed_by_process(port: int) -> dict[str, int]:
    """Jobs each worker process counted (its slots summed), as the Redis on `port` holds them."""
    client = _direct(port)
    ids = [w.decode() for w in client.smembers("resque:workers")]
    counts = client.mget([f"resque:stat:processed:{w}" for w in ids]) if ids else []
    by_process: dict[str, int] = {}
    for worker_id, count in zip(ids, counts, strict=True):
        pid = worker_id.split(":")[1].split("+")[0]  # host:pid+slot:queues
        by_process[pid] = by_process.get(pid, 0) + int(count or 0)
    return by_process


@pytest.mark.one_leg(leg=2)  # six redis-servers and five processes: the subject is Redis
@pytest.mark.parametrize("replicas", [1, 0], ids=["enqueue-replicas-1", "enqueue-replicas-0"])
def test_after_the_primary_is_killed_producers_four_workers_and_the_scheduler_follow_it(
    failover_set, start_worker, start_scheduler, ledger, tmp_path, replicas
):
    """Three forking workers (`--count 3`) and a `--threads 2` one, two producers and a
    scheduler. With ENQUEUE_REPLICAS=1 nothing acknowledged is lost; without, the loss is only
    counted (replication is asynchronous: on loopback it is usually none, but nothing promises
    that)."""
    logs = [tmp_path / "forking.log", tmp_path / "threaded.log"]
    old_port = failover_set.primary.port
    env = {"RESQUE_TEST_REDIS_URL": failover_set.url}
    for log, args in zip(logs, [("--count", "3"), ("--threads", "2")], strict=True):
        with log.open("w") as out:
            start_worker("--queues", "default", *args, env=env, stdout=out)
    scheduler = start_scheduler(failover_set.url)
    wait_until(lambda: len(_processed_by_process(old_port)) == 4, timeout=60)
    with with_resque(REDIS_URL=failover_set.url, ENQUEUE_REPLICAS=replicas):
        producers = [Producer(ledger, prefix) for prefix in ("a", "b")]
        for producer in producers:
            producer.start()
        try:
            wait_until(lambda: len(_performed(ledger)) >= 40, timeout=30)  # load is flowing
            killed = time.monotonic()
            os.kill(failover_set.primary.pid, signal.SIGKILL)
            wait_until(lambda: failover_set.master_port() not in (None, old_port), timeout=20)
            promoted = time.monotonic()
            new_port = failover_set.master_port()
            marks = [len(p.acknowledged) for p in producers]
            wait_until(lambda: len(producers[0].acknowledged) > marks[0], timeout=20)
            first_after = producers[0].acknowledged[marks[0]][1]
            wait_until(lambda: first_after in _performed(ledger), timeout=20, interval=0.01)
            resumed = time.monotonic()
            # Each of the four worker processes performs jobs on the new primary (the counts it
            # started from are what it had replicated).
            before = _processed_by_process(new_port)
            wait_until(
                lambda: _all_moved_on(before, _processed_by_process(new_port)),
                timeout=30,
                interval=0.05,
            )
            all_resumed = time.monotonic()
            # Delayed on the new primary, so the scheduler must follow it to promote the job. (One
            # delayed before the kill could be promoted on the old primary first, by a scheduler
            # whose pushes no replica acknowledged, and be lost with it.)
            wait_until(lambda: _enqueue_delayed(ledger), timeout=20)
            for producer in producers:
                producer.stop.set()
                producer.join(timeout=10)  # what it acknowledged is final from here
            acknowledged = [token for p in producers for _, token in p.acknowledged]
            # The scheduler promoted the delayed job on the new primary, with or without WAIT.
            wait_until(lambda: "delayed" in _performed(ledger), timeout=30)
            if replicas:
                expected = set(acknowledged)
                with contextlib.suppress(AssertionError):
                    wait_until(lambda: expected <= set(_performed(ledger)), timeout=60)
                missing = expected - set(_performed(ledger))
                assert not missing, f"acknowledged but never performed: {sorted(missing)}"
            else:  # what is lost never comes: wait for the queue to drain instead
                wait_until(lambda: queues.size("default") == 0, timeout=20)
                time.sleep(0.5)  # the last reserved jobs finish
        finally:  # a failed wait must not leave the producers enqueueing into later tests
            for producer in producers:
                producer.stop.set()
                producer.join(timeout=10)
            for log in logs:  # shown if the test fails
                print(f"--- {log.name} ---\n{log.read_text()[-3000:]}")
        assert queues.size("default") == 0
    performed = _performed(ledger)
    errors = [e for p in producers for e in p.errors]
    load = os.getloadavg()[0]
    print(
        f"\nfailover (ENQUEUE_REPLICAS={replicas}, load average {load:.1f}): new primary named "
        f"{promoted - killed:.1f} s after the kill; a job enqueued on it was performed "
        f"{resumed - promoted:.1f} s later, and all four workers had performed jobs on it "
        f"{all_resumed - promoted:.1f} s after it; "
        f"acknowledged={len(acknowledged)} lost={len(set(acknowledged) - set(performed))} "
        f"performed twice={len(performed) - len(set(performed))} "
        f"errors={len(errors)} (outcome unknown: "
        f"{sum(isinstance(e, EnqueueOutcomeUnknown) for e in errors)})"
    )
    assert all(isinstance(e, EnqueueError) for e in errors), errors[:3]
    assert resumed - promoted < 10 and all_resumed - promoted < 20
    assert scheduler.poll() is None
    assert len(_processed_by_process(new_port)) == 4  # no worker died or was replaced
    for log in logs:
        assert "event=redis-unavailable" in log.read_text()  # noticed, logged, went on
        assert "Traceback" not in log.read_text()


def _all_moved_on(before: dict[str, int], now: dict[str, int]) -> bool:
    """True once each worker process of `before` has counted more jobs than it had then."""
    return len(before) == 4 and all(now.get(pid, 0) > count for pid, count in before.items())


def _enqueue_delayed(ledger: str) -> bool:
    try:
        test_jobs.record.enqueue_in(timedelta(seconds=1), ledger, "delayed")
    except EnqueueError:  # the producer's client may still be finding the new primary
        return False
    return True


@pytest.mark.one_leg(leg=2)  # six redis-servers and two workers: the subject is Redis
@pytest.mark.parametrize("old_primary", ["killed", "demoted"])
def test_forked_children_reach_the_new_primary_after_a_failover(
    failover_set, start_worker, ledger, tmp_path, old_primary
):
    """Worker A's child for its next job was forked ahead, with the worker's kept connection,
    before the failover; worker B's child runs a job across it and tries its command again.
    A demoted primary (SENTINEL FAILOVER) lives on as a replica that answers writes READONLY."""
    old_port, release = failover_set.primary.port, tmp_path / "release"
    env = {"RESQUE_TEST_REDIS_URL": failover_set.url}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    for log, queue in zip(logs, ("qa", "qb"), strict=True):
        with log.open("w") as out:
            start_worker("--queues", queue, env=env, stdout=out)
    with with_resque(REDIS_URL=failover_set.url, ENQUEUE_REPLICAS=1):
        test_jobs.note_client.using(queue="qa").delay("ids")
        wait_until(lambda: _direct(old_port).llen("ids") == 1, timeout=30)
        test_jobs.push_when_told.using(queue="qb").delay(ledger, "across", str(release))
        wait_until(lambda: test_jobs.read_ledger(ledger), timeout=30)  # started, waiting
        time.sleep(0.5)  # worker A's next child is forked ahead by now, with the connection
        if old_primary == "killed":
            os.kill(failover_set.primary.pid, signal.SIGKILL)
        else:
            failover_set.sentinels[0].client().execute_command("SENTINEL", "FAILOVER", MASTER)
        wait_until(lambda: failover_set.master_port() not in (None, old_port), timeout=20)
        if old_primary == "demoted":  # until the sentinels turn it into a replica (and close
            # its clients), the old primary takes writes that its resync then loses
            wait_until(lambda: _role(old_port) == "slave", timeout=30)
        new = _direct(failover_set.master_port())
        release.touch()  # B's job sends its command now, over its child's connection
        wait_until(lambda: _enqueue_on("qa"), timeout=20)
        try:
            wait_until(lambda: new.llen("ids") == 2 and new.llen("across") == 1, timeout=30)
        finally:
            for log in logs:
                print(f"--- {log.name} ---\n{log.read_text()[-3000:]}")  # shown if it fails
    assert new.llen("resque:failed") == 0, new.lrange("resque:failed", 0, -1)
    assert new.get("resque:stat:failed") is None


def _role(port: int) -> str:
    """The server's replication role; "" while it drops its clients (as a demoted primary does
    when it becomes a replica), which a poll may meet."""
    try:
        return str(_direct(port).info("replication")["role"])
    except redis_py.ConnectionError:
        return ""


def _enqueue_on(queue: str) -> bool:
    try:
        test_jobs.note_client.using(queue=queue).delay("ids")
    except EnqueueError:  # the test's client may still be finding the new primary
        return False
    return True


def test_the_deploy_check_reaches_redis_through_the_sentinels_or_says_none_named_it(sentinels):
    with with_resque(REDIS_URL=sentinels.url):
        assert "django_resque.E053" not in [m.id for m in deploy.check_redis_server()]
    nobody = [("127.0.0.1", RedisServer().port)]  # never started: refused
    with with_resque(SENTINELS=nobody, SENTINEL_MASTER=MASTER, SOCKET_CONNECT_TIMEOUT=1):
        (message,) = [m for m in deploy.check_redis_server() if m.id == "django_resque.E053"]
    assert "No master found" in message.msg and "SENTINELS" in message.hint


def test_the_sentinels_and_the_data_nodes_each_take_their_own_password(redis):
    protected = SentinelSet(replicas=1, node_password="node-pw", sentinel_password="sent-pw")
    protected.start()
    try:
        resque = {
            "SENTINELS": protected.addresses,
            "SENTINEL_MASTER": MASTER,
            "SENTINEL_PASSWORD": "sent-pw",
            "REDIS_URL": "redis://:node-pw@unused/0",
        }
        with with_resque(**resque):
            test_jobs.add.delay(1, 2)
        assert protected.node(protected.primary.port).llen("resque:queue:default") == 1
        with (
            with_resque(**{**resque, "SENTINEL_PASSWORD": None}),
            pytest.raises(EnqueueError, match="No master found.*Nothing was stored"),
        ):
            test_jobs.add.delay(1, 2)
    finally:
        protected.stop()
