"""A Redis Cluster of three primaries and three replicas: real redis-server processes on loopback.

Each node is a `redis-server --cluster-enabled yes` this module started, and is stopped by its
pid. The cluster is joined through redis-py alone (CLUSTER MEET, ADDSLOTSRANGE, REPLICATE), so
only the server binary is needed. A short cluster-node-timeout makes a replica take over
within a few seconds of its primary's death.
"""

from __future__ import annotations

import time
from functools import cache

import redis

from tests import jobs
from tests.helpers import ONE_TRY, RedisServer, wait_until  # also puts scripts/ on sys.path

from private_redis import find_binary, free_port, port_taken  # isort: skip

SLOTS = 16384


def _cluster_args(node_timeout_ms: int, bus_port: int) -> list[str]:
    return [
        "--cluster-enabled",
        "yes",
        # The bus port of its own (by default the port + 10000, often above 65535 or taken).
        "--cluster-port",
        str(bus_port),
        "--cluster-config-file",
        "nodes.conf",  # in the server's own --dir
        "--cluster-node-timeout",
        str(node_timeout_ms),
        # A replica may always take over, however long it was out of touch: the tests kill
        # primaries on purpose and want the failover, not a cluster that waits for a human.
        "--cluster-replica-validity-factor",
        "0",
        # A replica's full sync starts at once, not after the default 5 s wait for others.
        "--repl-diskless-sync-delay",
        "0",
    ]


@cache
def cluster_supported() -> str:
    """Return "" if the redis-server binary runs in cluster mode, else the reason it does not."""
    try:
        probe = RedisServer(extra=_cluster_args(1000, free_port())).start()
    except (OSError, RuntimeError) as exc:
        return f"no redis-server binary to run a cluster node: {exc}"
    try:
        info = redis.Redis(port=probe.port, socket_timeout=2).info("cluster")
        if str(info.get("cluster_enabled")) != "1":
            return f"{find_binary()} does not run with --cluster-enabled yes"
        return ""
    except redis.RedisError as exc:
        return f"{find_binary()} does not run with --cluster-enabled yes: {exc}"
    finally:
        probe.stop()


class ClusterSet:
    """Three primaries, each with one replica; stop() ends every node by pid.

    `extra_replicas` more replicas follow the first primary (slots 0-5460, where the tag
    `{resque}` hashes), so after its failover the new primary still has a replica to WAIT for.
    `replicas=False`: the three primaries alone (bench/cluster.py).
    """

    def __init__(
        self, *, node_timeout_ms: int = 1000, extra_replicas: int = 0, replicas: bool = True
    ) -> None:
        self.replicas, self.node_timeout_ms = replicas, node_timeout_ms
        count = 6 + extra_replicas if replicas else 3
        self.bus_ports = [free_port() for _ in range(count)]
        self.nodes = [RedisServer(extra=_cluster_args(node_timeout_ms, p)) for p in self.bus_ports]

    @property
    def url(self) -> str:
        """A URL naming one node (any would do): the first primary."""
        return self.nodes[0].url

    def start(self) -> ClusterSet:
        """Start and join the nodes; a failure stops every node started so far, by pid."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        for i in range(len(self.nodes)):
            self._start_node(i)
        first = self.client(self.nodes[0].port)
        for node, bus_port in zip(self.nodes[1:], self.bus_ports[1:], strict=True):
            first.execute_command("CLUSTER MEET", "127.0.0.1", node.port, bus_port)
        step = SLOTS // 3
        for i, node in enumerate(self.nodes[:3]):
            last = SLOTS - 1 if i == 2 else (i + 1) * step - 1
            self.client(node.port).execute_command("CLUSTER ADDSLOTSRANGE", i * step, last)
        wait_until(lambda: all(self._knows_all(n.port) for n in self.nodes), timeout=30)
        followed = [*self.nodes[:3], *[self.nodes[0]] * max(0, len(self.nodes) - 6)]
        primaries = followed[: len(self.nodes) - 3]
        for primary, replica in zip(primaries, self.nodes[3:], strict=True):
            node_id = self.client(primary.port).execute_command("CLUSTER MYID")
            self.client(replica.port).execute_command("CLUSTER REPLICATE", node_id)
        self.wait_ok()

    def _start_node(self, i: int) -> None:
        """Start node i; a bus port another process bound since free_port() is chosen again
        (RedisServer does the same for the client port)."""
        for _ in range(3):
            try:
                self.nodes[i].start()
                return
            except RuntimeError:
                with open(self.nodes[i].log_path) as log:
                    if not port_taken(log.read(), self.bus_ports[i]):
                        raise
            self.bus_ports[i] = free_port()
            self.nodes[i] = RedisServer(
                extra=_cluster_args(self.node_timeout_ms, self.bus_ports[i])
            )
        raise RuntimeError(f"no free cluster bus port in 3 tries; see {self.nodes[i].log_path}")

    def _knows_all(self, port: int) -> bool:
        known = self.client(port).execute_command("CLUSTER NODES")  # parsed: address -> node
        return len(known) == len(self.nodes) and all(
            "handshake" not in node["flags"] for node in known.values()
        )

    def wait_ok(self, timeout: float = 30) -> None:
        """Wait until every living node says cluster_state:ok, each replica is in sync with its
        primary, and (with replicas) each primary has one."""

        def ready() -> bool:
            for node in self.alive():
                try:
                    client = self.client(node.port)
                    if client.execute_command("CLUSTER INFO").get("cluster_state") != "ok":
                        return False
                    role = client.execute_command("ROLE")
                except redis.RedisError:
                    return False
                if role[0] == b"slave" and role[3] != b"connected":
                    return False  # still syncing with its primary
                if role[0] == b"master" and self.replicas and not role[2]:
                    return False  # no replica has finished its sync yet
            return True

        wait_until(ready, timeout=timeout, interval=0.05)

    def alive(self) -> list[RedisServer]:
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def primary_ports(self) -> list[int]:
        ports = []
        for node in self.alive():
            role = self.client(node.port).execute_command("ROLE")[0]
            if role == b"master":
                ports.append(node.port)
        return ports

    def owner_of(self, key: str) -> RedisServer:
        """The node that serves `key`'s slot now, as the first node that answers says."""
        for node in self.alive():
            try:
                client = self.client(node.port)
                slot = client.execute_command("CLUSTER KEYSLOT", key)
                ranges = client.execute_command("CLUSTER SLOTS")
            except redis.RedisError:
                continue  # a frozen or dying node: ask the next one
            for first, last, primary, *_ in ranges:
                if first <= slot <= last:
                    port = int(primary[1])
                    return next(n for n in self.nodes if n.port == port)
        raise AssertionError(f"no node answers for the slot of {key!r}")

    def client(self, port: int) -> redis.Redis:
        """A client on one node that gives up after one try (a node may be frozen or dead)."""
        return redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1, retry=ONE_TRY)

    def flush(self) -> None:
        """Empty every primary (a test's own keys), waiting out a failover if one is under way."""
        self.wait_ok()
        for port in self.primary_ports():
            self.client(port).flushall()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def wait_for_new_owner(cluster: ClusterSet, key: str, old_port: int, timeout: float) -> float:
    """Wait until a node other than `old_port` serves `key`'s slot; return when (monotonic)."""

    def moved() -> bool:
        try:
            return cluster.owner_of(key).port != old_port
        except (redis.RedisError, AssertionError):
            return False

    wait_until(moved, timeout=timeout, interval=0.02)
    return time.monotonic()


def cluster_env(cluster: ClusterSet, **extra: str) -> dict[str, str]:
    """The environment that points a worker or scheduler process at `cluster`, CLUSTER on."""
    return {"RESQUE_TEST_REDIS_URL": cluster.url, "RESQUE_TEST_CLUSTER": "1", **extra}


def performed(ledger: str) -> list[str]:
    """The tokens of the record jobs performed, in order."""
    return [row[0] for row in jobs.read_ledger(ledger)]
