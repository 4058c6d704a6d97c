"""A tiny TCP server for the I/O workload: per connection, read a line, wait, reply "ok".

It waits with asyncio.sleep, so all connections wait at the same time and none blocks another.
It counts how many connections were waiting at once. A connection that sends "stats" gets
{"served", "max_waiting"} as JSON straight away; "reset" sets both back to 0.
Binds 127.0.0.1 on a free port, prints "port N" once it listens, runs until SIGTERM/SIGINT.
usage: python -m iojobs.server [--delay 0.05]; Server below starts one and stops it by its pid.
"""

import argparse
import asyncio
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent


class Waits:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.waiting = self.max_waiting = self.served = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            if line.strip() == b"stats":
                stats = {"served": self.served, "max_waiting": self.max_waiting}
                writer.write(json.dumps(stats).encode() + b"\n")
            elif line.strip() == b"reset":
                self.served = self.max_waiting = 0
                writer.write(b"ok\n")
            elif line:
                self.waiting += 1
                self.max_waiting = max(self.max_waiting, self.waiting)
                try:
                    await asyncio.sleep(self.delay)
                finally:
                    self.waiting -= 1
                writer.write(b"ok\n")
                self.served += 1
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def serve(delay: float) -> None:
    waits = Waits(delay)
    server = await asyncio.start_server(waits.handle, "127.0.0.1", 0, backlog=1024)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


class Server:
    """The local TCP server (iojobs/server.py), started and stopped by its pid."""

    def __init__(self, delay: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "iojobs.server", "--delay", str(delay)],
            cwd=BENCH,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("port "):
            self.stop()
            raise RuntimeError(f"the I/O server did not start (said {line!r})")
        self.addr = f"127.0.0.1:{int(line.split()[1])}"

    def ask(self, what: str) -> str:
        host, _, port = self.addr.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(what.encode() + b"\n")
            return s.makefile().readline().strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--delay", type=float, default=0.05, help="seconds each request waits")
    asyncio.run(serve(ap.parse_args().delay))
    return 0


if __name__ == "__main__":
    sys.exit(main())
