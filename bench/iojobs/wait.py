"""The I/O-bound job body: one request to the bench's local TCP server, which replies 50 ms later.

BENCH_IO_ADDR ("127.0.0.1:PORT", set by bench/io_workload.py) names the server. Each job connects,
sends one line, waits for the reply line and closes; then it does the harness's count bookkeeping
(peerjobs.common.count_body), so the first and the last completion times are recorded as for the
no-op job. Workers import this module, so it stays import-light.
"""

import os
import socket

from peerjobs.common import count_body


def address() -> tuple[str, int]:
    host, _, port = os.environ["BENCH_IO_ADDR"].rpartition(":")
    return host, int(port)


def wait_body(i, r=None):
    """Blocking socket wait; `r`: optionally the system's own Redis client for the bookkeeping."""
    with socket.create_connection(address(), timeout=30) as s:
        s.sendall(b"%d\n" % i)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(64)
            if not chunk:
                raise ConnectionError(f"the I/O server closed without a reply (got {reply!r})")
            reply += chunk
    return count_body(i, r)


async def async_wait_body(i, r=None):
    """The same wait with asyncio streams; the bookkeeping (a blocking Redis call) is handed to
    sync_to_async, as async Django code hands the ORM, so it never blocks the event loop."""
    import asyncio

    from asgiref.sync import sync_to_async

    reader, writer = await asyncio.open_connection(*address())
    try:
        writer.write(b"%d\n" % i)
        await writer.drain()
        reply = await reader.readline()
    finally:
        writer.close()
        await writer.wait_closed()
    if not reply.endswith(b"\n"):
        raise ConnectionError(f"the I/O server closed without a reply (got {reply!r})")
    return await sync_to_async(count_body)(i, r)
