"""A Redis connection the worker opens once and hands to every forked child.

A child that opens its own connection pays a TCP connect, HELLO and a health-check PING on
every job (round trips plus the copy-on-write faults of building a client), which
is most of what a fork-per-job worker costs beyond the fork itself. So the parent keeps one
connected single-connection client that only children use: the child makes it what
`get_redis()` returns, and reports whether it left the socket clean (the same socket, no
command half done). The parent never sends on it before a child's report is in, and drops and
reconnects it after any child that did not report it clean, so a reply meant for one child can
never reach the next. A child whose report is in may still be exiting (fork.py): it sends nothing
more, and the kernel closing its copy of the socket does not shut the connection down.

Before each fork the parent also drops a connection the server has closed meanwhile (readable
at EOF: no round trip), such as one to a primary that died or that Sentinel demoted, so no
child, not even one forked ahead, starts its job on it: the next connection asks the sentinels
where the primary is now.
"""

from __future__ import annotations

import logging
import time

import redis

from django_resque.conf import get_config
from django_resque.storage import connection

logger = logging.getLogger(__name__)

_IDLE_CHECK_SECONDS = 30.0  # a connection unused this long gets a PING from the parent first


class ChildRedis:
    """The parent's spare connection for children, and the child's view of it."""

    def __init__(self) -> None:
        self.client: redis.Redis | None = None
        self.generation = 0  # bumped whenever the connection is dropped (children forked ahead
        # with an older one must not be used)
        self._used_at = 0.0
        self._socket: object = None

    def prepare(self) -> None:
        """Parent, before forking: make sure the spare connection is open and alive."""
        if get_config()["CONNECTION"]:
            return  # a django-redis pool is the user's to manage; children use get_redis()
        try:
            if self.client is not None and self._unread_reply():
                self.discard()  # closed by the server (a primary that died or was demoted)
            if self.client is None:
                self.client = connection.build_client(single_connection=True)
            if time.monotonic() - self._used_at > _IDLE_CHECK_SECONDS:
                self.client.ping()
            self._used_at = time.monotonic()
        except redis.RedisError as exc:
            logger.warning("event=child-redis-unavailable error=%s", exc)
            self.discard()

    def adopt(self) -> None:
        """Child, right after the fork: serve get_redis() from the spare connection."""
        if self.client is not None:
            self._socket = _socket_of(self.client)
            connection.use_in_this_process(self.client)

    def clean_in_child(self) -> bool:
        """Child, before reporting: True if the parent may hand this connection on."""
        return self.client is not None and _socket_of(self.client) is self._socket

    def settle(self, *, clean: bool) -> None:
        """Parent, after the child: keep the connection only if the child left it clean."""
        if not clean or self._unread_reply():
            self.discard()

    def _unread_reply(self) -> bool:
        conn = self.client.connection if self.client is not None else None
        try:
            return conn is not None and bool(conn.can_read(timeout=0))
        except (redis.RedisError, OSError):
            return True

    def discard(self) -> None:
        if self.client is not None:
            self.client.close()
            self.generation += 1
        self.client = None


def _socket_of(client: redis.Redis) -> object:
    conn = client.connection
    return getattr(conn, "_sock", None) if conn is not None else None
