"""A BLPOP on wake-token lists sent now and answered later, for a loop that waits on more.

A worker with `--threads` waits for two things at once while some of its jobs run: a report
from a job, and a wake-up token on its queues (a job was enqueued, and a slot is free). The
BLPOP goes out on a connection of its own, kept from the client's pool, and the loop puts that
connection's socket in its select() beside its other file descriptors, then reads the reply
once the socket is readable. Nothing else is ever sent on that connection while a BLPOP is
out, so the reply it reads is always the BLPOP's.
"""

from __future__ import annotations

from redis.connection import AbstractConnection

from django_resque.storage import channel
from django_resque.storage.connection import get_redis


class WakeWait:
    """At most one BLPOP out at a time, on a connection kept for it."""

    def __init__(self) -> None:
        self._conn: AbstractConnection | None = None
        self._pending = False

    def arm(self, wake_keys: list[str], timeout: float) -> None:
        """Send BLPOP on `wake_keys` unless one is already out."""
        if self._pending or not wake_keys:
            return
        if self._conn is None:
            self._conn = get_redis().connection_pool.get_connection()  # kept, never released
        try:
            channel.connect(self._conn)  # under Sentinel: to the primary the sentinels name now
            self._conn.send_command("BLPOP", *wake_keys, timeout)
        except BaseException:
            self._conn.disconnect()
            raise
        self._pending = True

    def fileno(self) -> int | None:
        """The socket to wait on while a BLPOP is out; None when none is."""
        sock = getattr(self._conn, "_sock", None) if self._pending else None
        return None if sock is None else sock.fileno()

    def answered(self) -> bool:
        """Read the BLPOP's reply if it has come (a token, or its timeout); never blocks."""
        if not self._pending or self._conn is None:
            return False
        try:
            if not self._conn.can_read(timeout=0):
                return False
            self._conn.read_response()
        except BaseException:
            self._pending = False
            self._conn.disconnect()
            raise
        self._pending = False
        return True

    def close(self) -> None:
        """Drop the connection (and a BLPOP still out with it)."""
        if self._conn is not None:
            self._conn.disconnect()
        self._conn, self._pending = None, False
