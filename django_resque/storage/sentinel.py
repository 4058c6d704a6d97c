"""Redis behind Sentinel: where the settings say the sentinels are, and a client on the primary.

With `RESQUE["SENTINELS"]` (and `SENTINEL_MASTER`), or a `redis+sentinel://` REDIS_URL, the
client's connections ask the sentinels for the primary's address each time they connect
(redis-py's SentinelConnectionPool). A connection to a primary that went away, or that was
demoted (its writes answer READONLY, which redis-py turns into a ConnectionError), is dropped,
and the next command connects to whichever primary the sentinels name then. The data nodes'
database number, user and password come from REDIS_URL (its host is not used) or from the
`redis+sentinel://` URL; the sentinels' own from SENTINEL_USERNAME and SENTINEL_PASSWORD.

URL form: `redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db]`, the
port 26379 when none is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.connection import SSLConnection, parse_url
from redis.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection

SCHEME = "redis+sentinel"
DEFAULT_PORT = 26379


@dataclass(frozen=True, slots=True)
class SentinelConfig:
    """The sentinels to ask, the primary's name, and how to log in to each."""

    sentinels: list[tuple[str, int]]
    master: str
    sentinel_auth: dict[str, Any] = field(default_factory=dict)
    node_options: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """Name the primary and its sentinels for logs and errors; never a password."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
        db = self.node_options.get("db", 0)
        return f"the primary {self.master!r} (db {db}) of the Sentinels {hosts}"


class FollowingConnection(SentinelManagedConnection):
    """A connection to the primary that asks the sentinels where it is whenever it connects.

    redis-py's own asks only in connect(): a command on a connection that was dropped (the
    primary died, or was demoted and closed it) reconnects to the address it last had, which
    is the old primary. A client that keeps one connection (a forked child's, child_redis.py)
    would never leave it.
    """

    # redis-py's signature, positional flag and all
    def send_packed_command(self, command: Any, check_health: bool = True) -> None:  # noqa: FBT001, FBT002
        if self._sock is None:
            self.connect()  # the sentinels' lookup, then the handshake
        super().send_packed_command(command, check_health)


class FollowingSSLConnection(FollowingConnection, SSLConnection):
    """FollowingConnection over TLS."""


def configured(config: dict[str, Any]) -> bool:
    """True when the settings ask for Redis behind Sentinel."""
    url = config["REDIS_URL"]
    return bool(config["SENTINELS"]) or (isinstance(url, str) and url.startswith(f"{SCHEME}://"))


def read(config: dict[str, Any]) -> SentinelConfig:
    """Read SENTINELS, SENTINEL_MASTER and REDIS_URL; ValueError saying what is wrong."""
    url = config["REDIS_URL"]
    if isinstance(url, str) and url.startswith(f"{SCHEME}://"):
        sentinels, master, node_options = _from_sentinel_url(url)
    else:
        sentinels, master, node_options = [], None, _node_options(url)
    if config["SENTINELS"]:  # the setting wins over the URL's hosts
        sentinels = _sentinel_list(config["SENTINELS"])
    master = config["SENTINEL_MASTER"] or master
    if not isinstance(master, str) or not master:
        raise ValueError(
            "RESQUE['SENTINEL_MASTER'] must name the primary the sentinels monitor, such as "
            "'mymaster' (the name in their `sentinel monitor` line)."
        )
    auth = {
        key: value
        for key, value in (
            ("username", config["SENTINEL_USERNAME"]),
            ("password", config["SENTINEL_PASSWORD"]),
        )
        if value
    }
    return SentinelConfig(sentinels, master, auth, node_options)


def build_client(
    sentinel: SentinelConfig, options: dict[str, Any], *, single_connection: bool
) -> redis.Redis:
    """Return a client whose connections follow the primary the sentinels name.

    `options` are the data-node connection options (timeouts, retry, health checks); the
    sentinels are asked with the same timeouts and no retries, and each is tried in turn.
    """
    timeouts = {k: v for k, v in options.items() if k.startswith("socket_")}
    manager = Sentinel(
        sentinel.sentinels,
        sentinel_kwargs={**timeouts, "retry": options["retry"], **sentinel.sentinel_auth},
    )
    node_options = dict(sentinel.node_options)
    tls = node_options.pop("ssl", False)
    pool = SentinelConnectionPool(
        sentinel.master,
        manager,
        **{**node_options, **options, "is_master": True},
        connection_class=FollowingSSLConnection if tls else FollowingConnection,
    )
    client = redis.Redis(connection_pool=pool, single_connection_client=single_connection)
    client.auto_close_connection_pool = True
    return client


def _sentinel_list(value: Any) -> list[tuple[str, int]]:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(
            "RESQUE['SENTINELS'] must be a list of (host, port) pairs, such as "
            "[('sentinel-1.example.com', 26379), ('sentinel-2.example.com', 26379)]."
        )
    pairs = []
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not item[0]
            or isinstance(item[1], bool)
            or not isinstance(item[1], int)
            or not 0 < item[1] < 65536
        ):
            raise ValueError(
                f"RESQUE['SENTINELS'] holds {item!r}; each sentinel is a (host, port) pair "
                "such as ('sentinel-1.example.com', 26379)."
            )
        pairs.append((item[0], item[1]))
    return pairs


def _node_options(url: Any) -> dict[str, Any]:
    """The data nodes' db, credentials and TLS options from REDIS_URL; its host is not used."""
    if not isinstance(url, str):
        raise ValueError(f"RESQUE['REDIS_URL'] must be a string, not {url!r}.")
    options = parse_url(url)
    if options.pop("connection_class", None) is SSLConnection:
        options["ssl"] = True  # build_client picks the TLS connection class for it
    for unused in ("host", "port", "path"):
        options.pop(unused, None)
    return options


def _from_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, dict[str, Any]]:
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    path = [p for p in parts.path.split("/") if p]
    if not hosts or not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise ValueError(
            f"{SCHEME}:// URLs name the sentinels and the primary: "
            f"{SCHEME}://[[user]:password@]host[:port][,host[:port]...]/master[/db]."
        )
    sentinels = []
    for host in hosts.split(","):
        name, _, port = host.partition(":")
        if not name or (port and not port.isdigit()):
            raise ValueError(f"{SCHEME}:// URL has a bad sentinel address {host!r}.")
        sentinels.append((name, int(port) if port else DEFAULT_PORT))
    options: dict[str, Any] = {"db": int(path[1]) if len(path) == 2 else 0}
    if parts.username:
        options["username"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    return sentinels, unquote(path[0]), options
