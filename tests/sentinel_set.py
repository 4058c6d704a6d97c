"""A primary, its replicas and three sentinels: real redis-server processes on loopback ports.

Every process is one this module started, and is stopped by its pid. Sentinels run as
`redis-server <conf> --sentinel` with a short down-after-milliseconds, so they notice a killed
primary and fail over within a few seconds.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path

import redis

from tests.helpers import ONE_TRY, RedisServer  # also puts scripts/ on sys.path, for private_redis

from private_redis import find_binary, free_port, port_taken  # isort: skip

MASTER = "mymaster"


@cache
def sentinel_supported() -> str:
    """Return "" if the redis-server binary answers as a sentinel, else the reason it does not."""
    try:
        probe = SentinelProcess(free_port(), quorum=1, down_after_ms=1000).start()
    except (OSError, RuntimeError) as exc:
        return f"no redis-server binary to run as a sentinel: {exc}"
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if probe.process is not None and probe.process.poll() is not None:
                break
            try:
                if MASTER in probe.client().sentinel_masters():
                    return ""
            except (redis.RedisError, OSError):
                time.sleep(0.05)
        return f"{find_binary()} does not run in --sentinel mode (see {probe.dir})"
    finally:
        probe.stop()


class SentinelProcess:
    """One `redis-server --sentinel`, watching the primary named MASTER."""

    def __init__(
        self,
        primary_port: int,
        *,
        quorum: int,
        down_after_ms: int,
        password: str | None = None,
        node_password: str | None = None,
    ) -> None:
        self.port = free_port()
        self.password = password
        self.dir = tempfile.mkdtemp(prefix="resque-sentinel-")
        self.conf = Path(self.dir) / "sentinel.conf"
        self.log = Path(self.dir) / "sentinel.log"
        self._settings = (
            f"sentinel monitor {MASTER} 127.0.0.1 {primary_port} {quorum}\n"
            f"sentinel down-after-milliseconds {MASTER} {down_after_ms}\n"
            f"sentinel failover-timeout {MASTER} 3000\n"
            f"sentinel parallel-syncs {MASTER} 1\n"
            # A sentinel's own password, which the other sentinels log in with too.
            + (f"requirepass {password}\nsentinel sentinel-pass {password}\n" if password else "")
            # The data nodes' password, for the sentinels' own connections to them.
            + (f"sentinel auth-pass {MASTER} {node_password}\n" if node_password else "")
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> SentinelProcess:
        """Start the sentinel and wait until it listens; a port another process bound since
        free_port() chose it is chosen again (as RedisServer does)."""
        for _ in range(5):
            self.conf.write_text(
                f"port {self.port}\nbind 127.0.0.1\ndaemonize no\ndir {self.dir}\n"
                f"logfile {self.log}\n{self._settings}"
            )
            self.log.unlink(missing_ok=True)  # the log is this start's alone
            self.process = subprocess.Popen(
                [find_binary(), str(self.conf), "--sentinel"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
            if self._listening():
                return self
            self.port = free_port()
        raise RuntimeError(f"no free port for a sentinel in 5 tries; see {self.log}")

    def _listening(self) -> bool:
        """True once the sentinel logged its id (after it bound its port); False if it exited
        because its port was taken; RuntimeError if it exited otherwise or took over 10 s."""
        assert self.process is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            log = self.log.read_text() if self.log.exists() else ""
            if "Sentinel ID is" in log:
                return True
            if self.process.poll() is not None:
                if port_taken(log, self.port):
                    return False
                raise RuntimeError(
                    f"redis-server --sentinel exited with {self.process.returncode}: {log[-500:]}"
                )
            time.sleep(0.02)
        raise RuntimeError(f"the sentinel did not start within 10 s; see {self.log}")

    def client(self) -> redis.Redis:
        return redis.Redis(
            port=self.port,
            password=self.password,
            socket_timeout=1,
            decode_responses=True,
            retry=ONE_TRY,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class SentinelSet:
    """A primary with `replicas` replicas under three sentinels; stop() ends them all by pid.

    `node_password`: the data nodes' requirepass (and masterauth); `sentinel_password`: the
    sentinels' requirepass.
    """

    def __init__(
        self,
        *,
        replicas: int = 2,
        down_after_ms: int = 1000,
        node_password: str | None = None,
        sentinel_password: str | None = None,
    ) -> None:
        self.node_password, self.sentinel_password = node_password, sentinel_password
        self.primary = RedisServer(extra=_REPLICATION)
        self.replicas: list[RedisServer] = []
        self.sentinels: list[SentinelProcess] = []
        self.replica_count = replicas
        self.down_after_ms = down_after_ms

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", s.port) for s in self.sentinels]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{MASTER}/0"

    def start(self) -> SentinelSet:
        self._protect(self.primary.start())
        auth = ["--masterauth", self.node_password] if self.node_password else []
        for _ in range(self.replica_count):
            follow = ["--replicaof", "127.0.0.1", str(self.primary.port)]
            replica = RedisServer(extra=[*_REPLICATION, *auth, *follow]).start()
            self.replicas.append(self._protect(replica))
        for _ in range(3):
            sentinel = SentinelProcess(
                self.primary.port,
                quorum=2,
                down_after_ms=self.down_after_ms,
                password=self.sentinel_password,
                node_password=self.node_password,
            )
            self.sentinels.append(sentinel.start())
        self.wait_ready()
        return self

    def _protect(self, server: RedisServer) -> RedisServer:
        """Set the node password once the server answered (RedisServer.start PINGs without it)."""
        if self.node_password:
            client = redis.Redis(port=server.port, socket_timeout=2, retry=ONE_TRY)
            client.config_set("masterauth", self.node_password)
            client.config_set("requirepass", self.node_password)
        return server

    def node(self, port: int) -> redis.Redis:
        """A direct client on the data node at `port`."""
        return redis.Redis(port=port, password=self.node_password, socket_timeout=2, retry=ONE_TRY)

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Wait until every sentinel sees the primary, its replicas and the other sentinels."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._replicas_online() and all(self._sees_everything(s) for s in self.sentinels):
                return
            time.sleep(0.1)
        raise AssertionError(f"sentinels not ready within {timeout} s: see {self.sentinels[0].dir}")

    def _replicas_online(self) -> bool:
        """True when the primary streams to every replica (WAIT counts only those)."""
        try:
            info = self.node(self.primary.port).info("replication")
        except (redis.RedisError, OSError):
            return False
        links = [info.get(f"slave{i}") for i in range(self.replica_count)]
        return all(isinstance(link, dict) and link.get("state") == "online" for link in links)

    def _sees_everything(self, sentinel: SentinelProcess) -> bool:
        try:
            state = sentinel.client().sentinel_master(MASTER)
        except (redis.RedisError, OSError):
            return False
        return (
            int(state.get("num-slaves", 0)) >= self.live_replicas()
            and int(state.get("num-other-sentinels", 0)) == 2
            and state.get("flags") == "master"
        )

    def live_replicas(self) -> int:
        live = [r for r in (self.primary, *self.replicas) if r.process and r.process.poll() is None]
        return len(live) - 1

    def master_port(self) -> int | None:
        """The primary's port as the first sentinel that answers names it."""
        for sentinel in self.sentinels:
            try:
                _, port = sentinel.client().sentinel_get_master_addr_by_name(MASTER)
                return int(port)
            except (redis.RedisError, OSError, TypeError):
                continue
        return None

    def server_on(self, port: int) -> RedisServer:
        return next(s for s in (self.primary, *self.replicas) if s.port == port)

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        for server in (*self.replicas, self.primary):
            server.stop()


# Full syncs at once, from memory: a replica (re)joins its primary in milliseconds.
_REPLICATION = ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"]
