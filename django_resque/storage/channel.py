"""Lua script calls sent straight over connections kept from the client's pool.

`Redis.execute_command` takes a connection from its pool and polls it, records metrics, wraps
the call for retries and hands the connection back, CPU comparable to a loopback round trip
(bench/README.md). The script calls of scripts.py
(among them the two made for every job: the worker's reserve and `.delay()`'s enqueue) go
through this module instead: it borrows connections from the same pool once (so the pool's
settings, AUTH, TLS and `disconnect()` apply to them) and keeps them, as many as threads have
used at once; they count against the pool's `max_connections` for as long as it lives.
Each call still checks its connection as the pool would (a socket that has data or was closed
by the server is reconnected before the command goes out) and still gets redis-py's health
checks, parser and exceptions. A call that fails other than with a Redis error reply leaves
its connection disconnected, so a half-read reply can never reach the next caller.

A client that holds a single connection (a forked child's, see child_redis.py) is used as is.

A failure while a connection is set up (TCP, TLS, AUTH, the handshake's first commands) is
raised saying "Error connecting to": the command it was for never went out, and that is how
EnqueueError tells "nothing was stored" from "outcome unknown".
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import redis
from redis.connection import AbstractConnection
from redis.exceptions import ResponseError
from redis.sentinel import MasterNotFoundError

from django_resque.storage.connection import READONLY, describe, get_redis


class Channel:
    """Connections borrowed from one client's pool, for one process."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.pid = os.getpid()
        self._idle: list[AbstractConnection] = []  # list.pop/append are atomic: thread-safe

    def call(self, *args: Any) -> Any:
        """Send one command and return its reply (a Redis error reply is raised)."""
        conn = self._take()
        try:
            connect(conn)
            conn.send_packed_command(conn.pack_command(*args))
            return conn.read_response()
        except ResponseError as exc:
            _leave_replica(conn, [exc])
            raise  # the reply was read whole: the connection is in step
        except BaseException:
            conn.disconnect()  # whatever was half sent or half read goes with the socket
            raise
        finally:
            self._idle.append(conn)

    def call_many(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Send commands in one write and return their replies; an error reply is returned.

        Redis runs them in order; as with a pipeline (transaction=False), they are not atomic.
        """
        conn = self._take()
        try:
            connect(conn)
            conn.send_packed_command(conn.pack_commands(commands))
            replies = [_reply(conn) for _ in commands]
            _leave_replica(conn, replies)
            return replies
        except BaseException:
            conn.disconnect()
            raise
        finally:
            self._idle.append(conn)

    def _take(self) -> AbstractConnection:
        try:
            conn = self._idle.pop()
        except IndexError:
            with _setting_up():
                conn = self.client.connection_pool.get_connection()  # kept: never released
        if getattr(conn, "_sock", None) is not None and _stale(conn):  # connected: check it
            conn.disconnect()  # the next send connects afresh
        return conn


def connect(conn: AbstractConnection) -> None:
    """Connect a kept connection that is not connected, by its own class's connect().

    A send on a closed connection reconnects to the address it last had, skipping the
    Sentinel lookup; connect() is where a Sentinel-managed connection asks the sentinels where
    the primary is now, so after a failover it reaches the new one.
    """
    if getattr(conn, "_sock", None) is None:
        with _setting_up():
            conn.connect()


@contextlib.contextmanager
def _setting_up() -> Iterator[None]:
    """Raise an error met while connecting as redis-py's "Error connecting to ...".

    redis-py says so for a refused connect or a failed TLS handshake, but not for what fails
    after them and before any command of ours: a TLS 1.3 server refuses a client certificate
    only once the handshake is over (the handshake's first write then meets EOF), a wrong
    password fails at AUTH. None of our command was sent then, which the words tell.
    """
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        if "connecting to" in str(exc) or isinstance(exc, MasterNotFoundError):
            raise
        raise type(exc)(f"Error connecting to {describe()}: {exc}") from exc


def _stale(conn: AbstractConnection) -> bool:
    """True for a connection holding a reply nobody read, or one the server has closed."""
    try:
        return bool(conn.can_read(timeout=0))
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return True


def _leave_replica(conn: AbstractConnection, replies: list[Any]) -> None:
    """Disconnect from a server that refused a write as a replica (READONLY, also in a script).

    Under Sentinel the next connect asks the sentinels for the new primary's address.
    """
    if any(isinstance(r, ResponseError) and READONLY in str(r) for r in replies):
        conn.disconnect()


def _reply(conn: AbstractConnection) -> Any:
    try:
        return conn.read_response()
    except ResponseError as exc:
        return exc


_channel: Channel | None = None


def get_channel() -> Channel | None:
    """This process's channel for get_redis()'s client; None for a single-connection client."""
    global _channel
    client = get_redis()
    if _channel is None or _channel.client is not client or _channel.pid != os.getpid():
        _channel = None if client.connection is not None else Channel(client)
    return _channel


def call(*args: Any, client: redis.Redis | None = None) -> Any:
    """Run one command; without a `client`, the short way on get_redis()'s connections."""
    channel = get_channel() if client is None else None
    if channel is None:
        return (client or get_redis()).execute_command(*args)
    return channel.call(*args)


def call_many(commands: list[tuple[Any, ...]], client: redis.Redis | None = None) -> list[Any]:
    """Send commands in one write and return their replies, error replies included."""
    channel = get_channel() if client is None else None
    if channel is None:
        with (client or get_redis()).pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return list(pipe.execute(raise_on_error=False))
    return channel.call_many(commands)
