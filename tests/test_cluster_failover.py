"""Redis Cluster failovers and slot moves, against real redis-server processes.

The tests that leave the cluster's primaries alive share one cluster for the module
(tests/cluster_set.py); the test that kills a primary under load starts its own, whose
namespace's primary has two replicas, so that the promoted one still has a replica for WAIT.
"""

import contextlib
import signal
import subprocess
import time
from datetime import timedelta

import pytest
import redis as redis_py
from redis.crc import key_slot

from django_resque import EnqueueError, EnqueueOutcomeUnknown
from django_resque.queues import lists as queues
from django_resque.storage import connection
from tests import jobs
from tests.cluster_set import (
    ClusterSet,
    cluster_env,
    cluster_supported,
    performed,
    wait_for_new_owner,
)
from tests.helpers import ROOT, manage, wait_until, worker_env
from tests.producers import Producer

_unsupported = cluster_supported()
pytestmark = [
    pytest.mark.skipif(bool(_unsupported), reason=_unsupported or "supported"),
    pytest.mark.one_leg(leg=1),  # Redis Cluster's failovers are the subject, not Django
]


@pytest.fixture
def failover_cluster():
    """A cluster of the test's own, whose first primary (the namespace's) has two replicas."""
    started = ClusterSet(extra_replicas=1).start()
    yield started
    started.stop()


def _enqueue_delayed(ledger: str) -> bool:
    try:
        jobs.record.enqueue_in(timedelta(seconds=1), ledger, "delayed")
    except EnqueueError:  # the client may still be finding the new owner
        return False
    return True


@pytest.mark.parametrize(
    ("replicas", "worker_args"),
    [(1, ("--count", "4")), (0, ("--threads", "4"))],
    ids=["enqueue-replicas-1-count-4", "enqueue-replicas-0-threads-4"],
)
def test_after_the_slot_s_primary_is_killed_producers_workers_and_scheduler_follow_its_replica(
    failover_cluster, start_worker, ledger, tmp_path, settings, replicas, worker_args
):
    """With ENQUEUE_REPLICAS=1 nothing acknowledged is lost; without, the loss is only counted."""
    cluster, log = failover_cluster, tmp_path / "worker.log"
    old = cluster.owner_of("{resque}:queues")
    with log.open("w") as out:
        worker = start_worker(
            "--queues", "default", *worker_args, env=cluster_env(cluster), stdout=out
        )
    scheduler_log = (tmp_path / "scheduler.log").open("w")
    scheduler = subprocess.Popen(
        manage("resque_scheduler", "--interval", "0.2", "-v", "2"),
        env=worker_env(**cluster_env(cluster)),
        cwd=ROOT,
        stdout=scheduler_log,
        stderr=subprocess.STDOUT,
    )
    scheduler_log.close()
    settings.RESQUE = {
        **settings.RESQUE,
        "REDIS_URL": cluster.url,
        "CLUSTER": True,
        "ENQUEUE_REPLICAS": replicas,
    }
    producer = Producer(ledger)
    try:
        wait_until(lambda: cluster.client(old.port).scard("{resque}:workers") >= 4, timeout=30)
        producer.start()
        wait_until(lambda: len(performed(ledger)) >= 20, timeout=30)  # load is flowing
        killed = time.monotonic()
        old.stop(signal.SIGKILL)
        promoted = wait_for_new_owner(cluster, "{resque}:queues", old.port, timeout=30)
        mark = len(producer.acknowledged)
        wait_until(lambda: len(producer.acknowledged) > mark, timeout=30)
        first_after = producer.acknowledged[mark][1]
        wait_until(lambda: first_after in performed(ledger), timeout=30, interval=0.01)
        resumed = time.monotonic()
        wait_until(lambda: _enqueue_delayed(ledger), timeout=20)  # promoted on the new primary
        producer.stop.set()
        producer.join(timeout=10)  # what it acknowledged is final from here
        acknowledged = [token for _, token in producer.acknowledged]
        if replicas:
            expected = {*acknowledged, "delayed"}
            with contextlib.suppress(AssertionError):
                wait_until(lambda: expected <= set(performed(ledger)), timeout=60)
            missing = expected - set(performed(ledger))
            assert not missing, f"acknowledged but never performed: {sorted(missing)}"
        else:  # what is lost never comes: wait for the queue to drain instead
            wait_until(lambda: queues.size("default") == 0, timeout=30)
            time.sleep(0.5)  # the last reserved job finishes
    finally:  # a failed wait must not leave the producer enqueueing into later tests
        producer.stop.set()
        producer.join(timeout=10)
        scheduler.kill()
        scheduler.wait(timeout=10)
        print(f"--- worker log ---\n{log.read_text()[-4000:]}")  # shown if the test fails
        print(f"--- scheduler log ---\n{(tmp_path / 'scheduler.log').read_text()[-4000:]}")
    done = performed(ledger)
    print(
        f"\ncluster failover (ENQUEUE_REPLICAS={replicas}, {' '.join(worker_args)}): the "
        f"replica took the slot {promoted - killed:.1f} s after the kill; the workers "
        f"performed a job enqueued on it {resumed - promoted:.1f} s later; "
        f"acknowledged={len(acknowledged)} lost={len(set(acknowledged) - set(done))} "
        f"performed twice={len(done) - len(set(done))} "
        f"errors={len(producer.errors)} (outcome unknown: "
        f"{sum(isinstance(e, EnqueueOutcomeUnknown) for e in producer.errors)})"
    )
    assert all(isinstance(e, EnqueueError) for e in producer.errors), producer.errors[:3]
    assert resumed - promoted < 10
    assert worker.poll() is None and scheduler.returncode == -signal.SIGKILL
    assert "event=redis-unavailable" in log.read_text()  # it noticed, logged, and went on


def _replica_of(cluster: ClusterSet, port: int) -> int:
    for node in cluster.alive():
        if _follows(cluster, node.port, port):
            return node.port
    raise AssertionError(f"no replica follows {port}")


def _follows(cluster: ClusterSet, replica: int, primary: int) -> bool:
    role = cluster.client(replica).execute_command("ROLE")  # slave, host, port, state, offset
    return role[0] == b"slave" and role[2] == primary and role[3] == b"connected"


def test_after_a_manual_failover_the_old_primary_s_moved_reply_sends_the_client_to_the_new_one(
    on_cluster, work_here, ledger
):
    jobs.record.delay(ledger, "before")  # the kept connection is on the old primary now
    child = connection.build_client(single_connection=True)  # as forked children get one
    old = on_cluster.owner_of("{resque}:queues").port
    replica = _replica_of(on_cluster, old)
    on_cluster.client(replica).execute_command("CLUSTER FAILOVER")
    elected = time.monotonic()
    try:
        wait_for_new_owner(on_cluster, "{resque}:queues", old, timeout=30)
        with pytest.raises(EnqueueError, match="slot has moved") as raised:
            jobs.record.delay(ledger, "refused")
        assert raised.value.outcome_unknown is False
        jobs.record.delay(ledger, "after")
        assert connection.get_redis().info("server")["tcp_port"] == replica
        with pytest.raises(redis_py.ConnectionError, match="slot has moved"):
            child.llen("{resque}:queue:default")
        assert child.llen("{resque}:queue:default") == 2  # reconnected to the new owner
        work_here("default")
        assert performed(ledger) == ["before", "after"]
    finally:  # give the slot back, so the module's cluster is as it was
        wait_until(lambda: _follows(on_cluster, old, replica), timeout=30)
        # TAKEOVER: no election, which the primaries would refuse this soon after the last one
        on_cluster.client(old).execute_command("CLUSTER FAILOVER", "TAKEOVER")
        wait_for_new_owner(on_cluster, "{resque}:queues", replica, timeout=30)
        on_cluster.wait_ok()
        # The replica keeps the votes of the election it won for twice its auth timeout
        # (2 x 2 x node timeout) and, if its primary failed within that time, would claim the
        # slot with them at that election's epoch, below TAKEOVER's: the other nodes would
        # refuse it and leave the slot unserved. A test that freezes the primary next waits.
        time.sleep(max(0.0, elected + 4.5 - time.monotonic()))


def test_a_frozen_primary_is_left_for_its_promoted_replica_and_rejoins_as_its_replica(
    on_cluster, settings, work_here, ledger
):
    """A frozen node accepts nothing and answers nothing: calls time out, the next connect asks
    the cluster again, and once the replica has the slot they go there."""
    settings.RESQUE = {**settings.RESQUE, "SOCKET_TIMEOUT": 0.5, "SOCKET_CONNECT_TIMEOUT": 0.5}
    jobs.record.delay(ledger, "before")
    old = on_cluster.owner_of("{resque}:queues")
    old.process.send_signal(signal.SIGSTOP)
    try:
        wait_for_new_owner(on_cluster, "{resque}:queues", old.port, timeout=30)

        def enqueued() -> bool:
            try:
                jobs.record.delay(ledger, "during")
            except EnqueueError:
                return False
            return True

        wait_until(enqueued, timeout=20)
    finally:
        old.process.send_signal(signal.SIGCONT)
    on_cluster.wait_ok()  # the old primary is now a replica of the new one
    jobs.record.delay(ledger, "after")
    work_here("default")
    assert performed(ledger) == ["before", "during", "after"]


def test_while_the_namespace_s_slot_moves_calls_wait_and_then_follow_it_to_its_new_primary(
    on_cluster, work_here, ledger
):
    jobs.record.delay(ledger, "before")  # the kept connection is on the slot's primary now
    slot = key_slot(b"resque")
    source = on_cluster.client(on_cluster.owner_of("{resque}:queues").port)
    target_port = on_cluster.owner_of("{search}:x").port  # not billing's: another test's
    target = on_cluster.client(target_port)
    source_id, target_id = (c.execute_command("CLUSTER MYID") for c in (source, target))
    target.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", source_id)
    source.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", target_id)
    source.execute_command(
        "MIGRATE", "127.0.0.1", target_port, "", 0, 5000, "KEYS", "{resque}:queues"
    )
    with pytest.raises(EnqueueError, match="Nothing was stored") as raised:  # keys split: TRYAGAIN
        jobs.record.delay(ledger, "refused")
    assert connection.unavailable(raised.value.__cause__)
    rest = source.execute_command("CLUSTER GETKEYSINSLOT", slot, 1000)
    source.execute_command("MIGRATE", "127.0.0.1", target_port, "", 0, 5000, "KEYS", *rest)
    for port in on_cluster.primary_ports():  # replicas learn it from their primaries
        on_cluster.client(port).execute_command("CLUSTER SETSLOT", slot, "NODE", target_id)
    on_cluster.wait_ok()
    with pytest.raises(EnqueueError, match="slot has moved"):  # MOVED, on the kept connection
        jobs.record.delay(ledger, "moved")
    jobs.record.delay(ledger, "after")
    assert connection.get_redis().info("server")["tcp_port"] == target_port
    work_here("default")
    assert performed(ledger) == ["before", "after"]
