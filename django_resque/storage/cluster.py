"""Redis Cluster: the namespace's one hash slot, served by the primary that owns it.

With `RESQUE["CLUSTER"] = True` every key of a namespace carries the hash tag `{<namespace>}`
(keys.key_prefix), so all of them, and so every script, pipeline, MULTI and BLPOP of
django_resque, live in one slot, on one primary. redis-py's `RedisCluster` routes each command
by its key; here every command has the same route, so the client is a plain `redis.Redis`
whose connections connect to the primary that owns that slot. That owner is found through
redis-py's `RedisCluster` (its `NodesManager` reads CLUSTER SLOTS from REDIS_URL's node, or
any node seen since), and found again after a connect fails or a node answers MOVED.

This keeps what a `RedisCluster` client lacks and the rest of the package relies on: a
connection pool whose connections channel.py and wake_wait.py keep, single-connection
clients for forked children, cursor-wise SCAN and INFO of one server, WAIT on the primary that
holds the writes, MULTI, and NOSCRIPT answered by loading on the node that answered it.
Nothing is sharded here: a second namespace (another tag) is a second slot, which Redis may
place on another primary.

A failover: the owner's socket breaks or times out, reconnecting asks the cluster again,
and until a replica is promoted that names the dead node (refused, ConnectionError again) or
the node answers CLUSTERDOWN; callers see errors connection.unavailable() counts as "wait and
retry". An old primary that comes back as a replica answers MOVED, naming the new owner: the
connection is dropped and the next command goes there.
"""

from __future__ import annotations

import threading
from typing import Any

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.connection import Connection, ConnectionPool, SSLConnection, parse_url
from redis.crc import key_slot
from redis.exceptions import MovedError, RedisClusterException

from django_resque.storage.keys import get_keys

# The words of the error a MOVED reply becomes; exceptions.py counts it as "nothing was stored".
SLOT_MOVED = "slot has moved"


def configured(config: dict[str, Any]) -> bool:
    """True when the settings ask for Redis Cluster."""
    return config["CLUSTER"] is True


def namespace_slot() -> int:
    """The hash slot of every key of the configured namespace (its tag's slot)."""
    return key_slot(get_keys().queues().encode())  # any key of the namespace would do


def describe(url: str) -> str:
    """Name the cluster node and the namespace's slot for logs and errors (`url` masked)."""
    namespace = get_keys().namespace
    return f"the Redis Cluster of {url} (namespace {namespace!r}, hash slot {namespace_slot()})"


class SlotRouter:
    """The address of the primary that owns one hash slot, asked of the cluster when needed."""

    def __init__(self, url: str, slot: int, options: dict[str, Any], *, name: str) -> None:
        self.url, self.slot, self.options, self.name = url, slot, options, name
        self._cluster: RedisCluster | None = None
        self._seen: set[tuple[str, int]] = set()  # (host, port) of every node seen
        self._stale = False
        self._moved_to: tuple[str, int] | None = None
        self._lock = threading.Lock()

    def owner(self) -> tuple[str, int]:
        """Return (host, port) of the slot's primary; ConnectionError if none can be found."""
        if self._moved_to is not None:
            return self._moved_to
        try:
            with self._lock:
                cluster = self._topology()
                node = cluster.nodes_manager.get_node_from_slot(self.slot)
        except (RedisClusterException, redis.RedisError) as exc:
            self._stale = True
            raise redis.ConnectionError(
                f"Error connecting to the Redis Cluster of {self.name}: no primary named for "
                f"hash slot {self.slot} ({exc})"
            ) from exc
        return node.host, node.port

    def forget(self) -> None:
        """Ask the cluster again before the next connect (the owner failed)."""
        self._stale, self._moved_to = True, None

    def moved(self, host: str, port: int) -> None:
        """Connect next to the node a MOVED reply named.

        The old owner's MOVED is the cluster's own word on the new one; a slot map read
        from another node right after a failover may still name the old owner until gossip
        reaches it. The map is read again when that node fails in turn, or now when the reply
        names no address (an endpoint the node does not know is `?` or empty).
        """
        if host in ("", "?"):
            self.forget()
            return
        self._moved_to = (host, port)
        self._seen.add((host, port))

    def _topology(self) -> RedisCluster:
        if self._cluster is not None and not self._stale:
            return self._cluster
        # A new client each time the slot map is read again, seeded with every node seen so
        # far beside REDIS_URL's (which may be the node that died): a refresh by the old
        # client's NodesManager could keep failing after a failover, on state it keeps.
        # Built on first use, not with the client: a cluster that is down when a worker
        # starts is then a ConnectionError the worker waits out, like a down Redis.
        old, self._cluster = self._cluster, None
        if old is not None:
            old.close()
        seeds = [ClusterNode(host, port) for host, port in sorted(self._seen)]
        self._cluster = RedisCluster.from_url(
            self.url, startup_nodes=seeds, require_full_coverage=False, **self.options
        )
        self._stale = False
        self._seen.update((node.host, node.port) for node in self._cluster.get_nodes())
        return self._cluster


class _SlotOwnerMixin:
    """A connection that connects to whichever primary owns the router's slot."""

    router: SlotRouter
    host: str
    port: int
    _sock: Any

    def __init__(self, **kwargs: Any) -> None:
        self.router = kwargs.pop("router")
        super().__init__(**kwargs)

    def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        """Connect to the slot's owner as the router names it now.

        redis-py's connect() comes here, and so does a command sent on a connection that was
        dropped, which would otherwise reconnect to the address it last had.
        """
        if self._sock:
            return
        self.host, self.port = self.router.owner()
        try:
            super().connect_check_health(*args, **kwargs)  # type: ignore[misc]
        except (redis.ConnectionError, redis.TimeoutError):
            self.router.forget()  # dead, or hung (a frozen node answers nothing)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().read_response(*args, **kwargs)  # type: ignore[misc]
        except (redis.ConnectionError, redis.TimeoutError):
            self.router.forget()  # the node may be gone: look again before reconnecting
            raise
        except MovedError as exc:
            # The node no longer owns the slot (a failover, a resharding): the command did not
            # run. Drop the socket so the next command connects to the owner, as redis-py's
            # Sentinel connections do with a demoted primary's READONLY.
            self.router.moved(exc.host, exc.port)
            self.disconnect()  # type: ignore[attr-defined]
            raise redis.ConnectionError(
                f"The namespace's {SLOT_MOVED} ({exc}); the next command follows it."
            ) from exc


class SlotOwnerConnection(_SlotOwnerMixin, Connection):
    pass


class SlotOwnerSSLConnection(_SlotOwnerMixin, SSLConnection):
    pass


def build_client(
    url: str, options: dict[str, Any], *, name: str, single_connection: bool
) -> redis.Redis:
    """Return a client on the primary that owns the namespace's slot, found from `url`'s node.

    `name` is the URL as errors may show it (its password masked). `options` are the
    connection options (timeouts, retry, health checks); the cluster's topology is read with
    the same timeouts. ValueError for a URL that cannot name a node.
    """
    node = parse_url(url)
    if node.pop("db", 0) not in (0, "0"):
        raise ValueError("Redis Cluster has only database 0; drop the /db of RESQUE['REDIS_URL'].")
    connection_class = node.pop("connection_class", Connection)
    if connection_class not in (Connection, SSLConnection):
        raise ValueError("Redis Cluster is reached over TCP: use a redis:// or rediss:// URL.")
    for unused in ("host", "port", "path"):
        node.pop(unused, None)
    topology = {k: v for k, v in options.items() if k != "health_check_interval"}
    router = SlotRouter(url, namespace_slot(), topology, name=name)
    pool = ConnectionPool(
        connection_class=SlotOwnerSSLConnection
        if connection_class is SSLConnection
        else SlotOwnerConnection,
        router=router,
        **{**node, **options},
    )
    client = redis.Redis(connection_pool=pool, single_connection_client=single_connection)
    client.auto_close_connection_pool = True
    return client
