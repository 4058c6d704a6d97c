"""RESQUE["CLUSTER"]: django_resque on a real Redis Cluster of three primaries and three replicas.

The cluster is six redis-server processes on loopback ports (tests/cluster_set.py), started
once for the module; each test empties its primaries first. Under CLUSTER every key of the
namespace carries the hash tag `{resque}`, so the namespace lives in one slot on one primary.
"""

import subprocess
import time
from datetime import timedelta

import pytest
from redis.crc import key_slot

from django_resque import EnqueueError, EnqueueOutcomeUnknown, Group, enqueue
from django_resque.checks import deploy
from django_resque.failures import registry as failures
from django_resque.queues import lists as queues
from django_resque.scheduler import schedules
from django_resque.scheduler.loop import Scheduler
from django_resque.storage import connection
from django_resque.storage.cluster import SlotRouter, namespace_slot
from django_resque.storage.keys import Keys
from tests import jobs
from tests.cluster_set import ClusterSet, cluster_env, cluster_supported, performed
from tests.helpers import ROOT, RedisServer, manage, run_command, wait_until, worker_env

_unsupported = cluster_supported()
pytestmark = [
    pytest.mark.skipif(bool(_unsupported), reason=_unsupported or "supported"),
    pytest.mark.one_leg(leg=2),  # Redis Cluster is the subject, not Django
]


def _namespace_keys(cluster: ClusterSet) -> dict[int, list[bytes]]:
    """Every key on every primary, by the primary's port."""
    return {port: sorted(cluster.client(port).keys("*")) for port in cluster.primary_ports()}


def test_the_default_key_layout_stays_ruby_s_and_cluster_puts_the_namespace_in_a_hash_tag():
    assert Keys("resque").queue("emails") == "resque:queue:emails"
    assert Keys("resque").group("g1") == "resque:dj:group:g1"
    assert Keys("resque", cluster=True).queue("emails") == "{resque}:queue:emails"
    assert Keys("resque", cluster=True).limit_lock("k") == "{resque}:dj:limit:lock:k"
    assert Keys("resque", cluster=True).metrics_totals() == "{resque}:dj:metrics:totals"


def test_every_key_a_namespace_writes_on_a_cluster_hashes_to_its_one_slot(
    on_cluster, work_here, ledger
):
    schedules.set("tick", every=60, job="tests.jobs.record", args=[ledger, "scheduled"])
    jobs.record.delay(ledger, "plain")
    jobs.record.using(job_id="invoice-1").delay(ledger, "explicit-id")
    jobs.flaky.delay(ledger, 2)  # a retry, then a success
    jobs.fail.delay("on purpose")  # a failure record and its index
    jobs.record.enqueue_in(timedelta(hours=1), ledger, "later")  # the delayed set
    with Group.create(name="batch", on_complete=jobs.group_callback.call(ledger, "done")):
        jobs.group_member.delay(ledger, "member")
    jobs.one_at_once.delay(ledger, "slot", 0)  # concurrency slots
    jobs.three_per_two_seconds.delay(ledger, "rate")  # a rate window
    jobs.unique_until_executed.delay(ledger, "unique", 0)  # a unique lock
    Scheduler(lease_seconds=30).tick()  # the scheduler's lease and slots
    work_here("default", until=lambda: {"plain", "callback", "flaky"} <= set(performed(ledger)))
    by_primary = _namespace_keys(on_cluster)
    owner = on_cluster.owner_of("{resque}:queues").port
    assert not [keys for port, keys in by_primary.items() if port != owner and keys]
    written = by_primary[owner]
    assert len(written) > 20
    assert all(key.startswith(b"{resque}:") for key in written), written
    client = on_cluster.client(owner)
    slots = {client.execute_command("CLUSTER KEYSLOT", key) for key in written}
    assert slots == {key_slot(b"resque")}
    assert failures.count() == 1


@pytest.mark.parametrize("worker_args", [(), ("--threads", "2")], ids=["fork", "threads"])
def test_a_worker_process_performs_jobs_and_records_a_failure_on_a_cluster(
    on_cluster, start_worker, ledger, worker_args, tmp_path
):
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = start_worker(
            "--queues", "default", "-v", "2", *worker_args, env=cluster_env(on_cluster), stdout=out
        )
    print(f"--- worker log: {log}")  # shown if the test fails
    for n in range(20):
        jobs.record.delay(ledger, f"job{n}")
    jobs.fail.delay("on purpose")
    wait_until(lambda: len(performed(ledger)) == 20, timeout=60)
    wait_until(lambda: failures.count() == 1, timeout=30)
    time.sleep(0.5)  # idle: the worker waits on its wake tokens (BLPOP) in the slot
    jobs.record.delay(ledger, "after-idle")
    wait_until(lambda: "after-idle" in performed(ledger), timeout=30)
    assert worker.poll() is None


def test_a_failed_job_retried_from_the_failed_list_runs_again_on_a_cluster(
    on_cluster, work_here, ledger, tmp_path
):
    flag = str(tmp_path / "fixed")
    jobs.fails_until_flag.delay(ledger, flag)
    work_here("default")
    assert failures.count() == 1
    (tmp_path / "fixed").touch()
    assert failures.retry_all() == 1
    work_here("default")
    assert [row[1] for row in jobs.read_ledger(ledger)] == ["False", "True"]
    assert failures.count() == 0


def test_the_scheduler_process_promotes_a_delayed_job_on_a_cluster(
    on_cluster, start_worker, ledger, tmp_path
):
    jobs.record.enqueue_in(timedelta(seconds=1), ledger, "delayed")
    out = (tmp_path / "scheduler.log").open("w")
    scheduler = subprocess.Popen(
        manage("resque_scheduler", "--interval", "0.2"),
        env=worker_env(**cluster_env(on_cluster)),
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    try:
        start_worker("--queues", "default", env=cluster_env(on_cluster))
        wait_until(lambda: "delayed" in performed(ledger), timeout=30)
    finally:
        scheduler.kill()
        scheduler.wait(timeout=10)
    assert "Traceback" not in (tmp_path / "scheduler.log").read_text()


def test_two_namespaces_live_in_two_slots_on_different_primaries(on_cluster, settings):
    for namespace in ("resque", "billing"):
        settings.RESQUE = {**settings.RESQUE, "NAMESPACE": namespace}
        enqueue("tests.jobs.add", 1, 2)
        assert queues.size("default") == 1
    resque = on_cluster.owner_of("{resque}:queue:default")
    billing = on_cluster.owner_of("{billing}:queue:default")
    assert resque.port != billing.port
    assert on_cluster.client(resque.port).llen("{resque}:queue:default") == 1
    assert on_cluster.client(billing.port).llen("{billing}:queue:default") == 1
    assert key_slot(b"resque") != key_slot(b"billing")


def test_the_admin_pages_answer_on_a_cluster(on_cluster, admin_client, work_here, settings):
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}  # the test's transaction
    jobs.add.delay(1, 2)
    jobs.fail.delay("on purpose")
    jobs.add.enqueue_in(timedelta(hours=1), 3, 4)
    work_here("default", fork=False)
    assert failures.count() == 1
    jobs.add.delay(5, 6)
    for url in (
        "/admin/django_resque/overview/",
        "/admin/django_resque/queue/",
        "/admin/django_resque/worker/",
        "/admin/django_resque/failedjob/",
        "/admin/django_resque/delayedjob/",
        "/admin/django_resque/schedule/",
        "/admin/django_resque/stats/",
        "/admin/django_resque/jobgroup/",
        "/admin/django_resque/limit/",
        "/admin/django_resque/metrics/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    stats = admin_client.get("/admin/django_resque/stats/").content.decode()
    assert "{resque}:queue:default" in stats  # the bounded SCAN found the namespace's keys


def test_describe_names_the_node_and_the_slot_and_the_deploy_check_reaches_the_owner(
    on_cluster, settings
):
    settings.RESQUE = {
        **settings.RESQUE,
        "REDIS_URL": on_cluster.url.replace("127.0.0.1", ":s3cret@127.0.0.1"),
    }
    described = connection.describe()
    assert "s3cret" not in described and "***" in described
    assert f"hash slot {key_slot(b'resque')}" in described
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": on_cluster.url}
    assert "django_resque.E053" not in [m.id for m in deploy.check_redis_server()]
    result = run_command("check", "--deploy", env=cluster_env(on_cluster))
    assert "django_resque.E" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_a_client_on_a_node_that_does_not_own_the_slot_is_sent_to_the_owner(on_cluster, settings):
    owner = on_cluster.owner_of("{resque}:queues")
    other = next(p for p in on_cluster.primary_ports() if p != owner.port)
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": f"redis://127.0.0.1:{other}/0"}
    jobs.add.delay(1, 2)
    assert on_cluster.client(owner.port).llen("{resque}:queue:default") == 1
    assert connection.get_redis().info("server")["tcp_port"] == owner.port


def test_a_moved_reply_s_address_is_used_before_the_slot_map_is_read_again(on_cluster):
    """Right after a failover a node's slot map may still name the old owner; the old owner's
    MOVED names the new one, so the next connect goes there."""
    owner = on_cluster.owner_of("{resque}:queues").port
    other = next(p for p in on_cluster.primary_ports() if p != owner)
    router = SlotRouter(f"redis://127.0.0.1:{owner}/0", namespace_slot(), {}, name="test")
    assert router.owner() == ("127.0.0.1", owner)
    router.moved("127.0.0.1", other)
    assert router.owner() == ("127.0.0.1", other)
    router.forget()  # that node failed in turn: the map is read again
    assert router.owner() == ("127.0.0.1", owner)
    router.moved("?", other)  # a reply that names no address: read the map
    assert router.owner() == ("127.0.0.1", owner)


def test_an_enqueue_waits_for_the_slot_s_replica_with_enqueue_replicas(on_cluster, settings):
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_REPLICAS": 1}
    handle = jobs.add.delay(1, 2)
    assert handle.enqueued
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_REPLICAS": 2, "ENQUEUE_REPLICAS_TIMEOUT": 100}
    with pytest.raises(EnqueueOutcomeUnknown, match="only 1 of 2"):
        jobs.add.delay(3, 4)
    assert queues.size("default") == 2  # stored on the primary, as the error says


def test_a_cluster_that_does_not_answer_is_a_clear_enqueue_error(settings):
    nobody = RedisServer()  # never started: its port refuses
    url = nobody.url.replace("127.0.0.1", ":s3cret@127.0.0.1")
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": url, "CLUSTER": True}
    with pytest.raises(EnqueueError, match="Nothing was stored") as raised:
        jobs.add.delay(1, 2)
    assert raised.value.outcome_unknown is False
    assert "s3cret" not in str(raised.value) and ":***@" in str(raised.value)
    assert connection.unavailable(raised.value.__cause__)


def test_a_plain_redis_named_as_a_cluster_is_a_clear_error(redis_server, settings):
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": redis_server.url, "CLUSTER": True}
    with pytest.raises(EnqueueError, match="Cluster") as raised:
        jobs.add.delay(1, 2)
    assert raised.value.outcome_unknown is False


def test_a_slot_no_primary_serves_is_a_503_page_and_a_wait_for_the_worker(
    on_cluster, admin_client, settings
):
    owner = on_cluster.client(on_cluster.owner_of("{resque}:queues").port)
    slot = key_slot(b"resque")
    assert admin_client.get("/admin/django_resque/overview/").status_code == 200
    owner.execute_command("CLUSTER DELSLOTS", slot)  # no node serves it: CLUSTERDOWN
    try:
        response = admin_client.get("/admin/django_resque/overview/")
        assert response.status_code == 503
        with pytest.raises(EnqueueError, match="Nothing was stored") as raised:
            jobs.add.using(on_commit=False).delay(1, 2)
        assert connection.unavailable(raised.value.__cause__)
    finally:
        owner.execute_command("CLUSTER ADDSLOTS", slot)
        on_cluster.wait_ok()
    assert admin_client.get("/admin/django_resque/overview/").status_code == 200


CLUSTER_ACL_RULE = (
    "~{resque}:* resetchannels -@all +@list +@hash +@set +@sortedset +@string +@keyspace "
    "+@scripting +@connection +@transaction -@dangerous +info +time +cluster|slots +cluster|shards"
)


@pytest.fixture
def acl_url(on_cluster):
    """The documented ACL rule for Cluster, as a user on every node (ACLs are per node)."""
    for node in on_cluster.alive():
        on_cluster.client(node.port).execute_command(
            "ACL", "SETUSER", "resque-app", "reset", "on", ">s3cret", *CLUSTER_ACL_RULE.split()
        )
    yield on_cluster.url.replace("127.0.0.1", "resque-app:s3cret@127.0.0.1")
    for node in on_cluster.alive():
        on_cluster.client(node.port).execute_command("ACL", "DELUSER", "resque-app")


def test_the_documented_cluster_acl_rule_lets_delay_a_worker_and_the_admin_work(
    acl_url, settings, work_here, ledger, admin_client
):
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": acl_url, "ENQUEUE_ON_COMMIT": False}
    jobs.record.delay(ledger, "done")
    jobs.fail.delay("on purpose")
    work_here("default", fork=False)
    assert performed(ledger) == ["done"]
    assert failures.count() == 1
    for url in ("/admin/django_resque/overview/", "/admin/django_resque/stats/"):
        assert admin_client.get(url).status_code == 200, url
