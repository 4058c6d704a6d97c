"""A TCP proxy on loopback that a test puts between a process and its redis-server.

The proxy runs in a thread of the test (one selector loop) and forwards bytes both ways while it
is in mode PASS. The test switches it while processes use it:

- `cut()`: close every connection at once and refuse new ones (a host cut off; RST/ECONNREFUSED).
- `black_hole()`: accept connections and keep the ones open, but forward nothing either way (a
  peer that went silent: packets dropped by a firewall, a frozen VM, a half-dead NAT).
- `delay(seconds)`: forward everything, each chunk `seconds` late.
- `drop_next_reply()`: forward the next request, let Redis run it, then cut the link before
  its reply reaches the client (a reply lost after a script ran); calls add up.
- `heal()`: back to PASS; connections cut or refused before stay gone, new ones are proxied.

Nothing is mocked: both ends are real sockets, Redis runs what reaches it.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PASS, CUT, BLACK_HOLE = "pass", "cut", "black-hole"


@dataclass
class _Link:
    """One client connection and the connection to Redis opened for it."""

    client: socket.socket
    upstream: socket.socket
    drop_after_request: bool = False  # the next reply from Redis closes the link instead
    closed: bool = False
    held: list[tuple[socket.socket, bytes]] = field(default_factory=list)  # black-holed bytes

    def peer_of(self, sock: socket.socket) -> socket.socket:
        return self.upstream if sock is self.client else self.client


class NetProxy:
    """Listen on a free loopback port and forward to `target_port`; switch modes while running."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.mode = PASS
        self.latency = 0.0
        self.replies_dropped = 0  # how many times drop_next_reply() took effect
        self._drop_next = 0  # requests whose replies are still to be dropped
        self._lock = threading.Lock()
        self._links: dict[socket.socket, _Link] = {}
        self._later: list[tuple[float, int, socket.socket, bytes]] = []  # delayed chunks
        self._seq = itertools.count()
        self._selector = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="netproxy", daemon=True)
        self.port = 0

    # --- life ------------------------------------------------------------------------------
    def start(self) -> NetProxy:
        self._listen()
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        self._wake()
        self._thread.join(10)
        self._close_all()
        if self._listener is not None:
            self._listener.close()
        self._wake_r.close()
        self._wake_w.close()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    # --- switches --------------------------------------------------------------------------
    def cut(self) -> None:
        """Close every link (clients see a reset) and refuse new connections until heal()."""
        with self._lock:
            self.mode = CUT
        self._wake()
        self._wait_applied(lambda: not self._links and self._listener is None)

    def black_hole(self) -> None:
        """Keep links and accept new ones, but forward nothing in either direction."""
        with self._lock:
            self.mode = BLACK_HOLE
        self._wake()

    def delay(self, seconds: float) -> None:
        """Forward every chunk `seconds` late (0 to forward at once)."""
        with self._lock:
            self.latency = seconds
        self._wake()

    def drop_next_reply(self) -> None:
        """Let the next request through, then close its link before the reply is forwarded."""
        with self._lock:
            self._drop_next += 1
        self._wake()

    def heal(self) -> None:
        """Forward again; new connections are accepted."""
        with self._lock:
            self.mode = PASS
        self._wake()
        self._wait_applied(lambda: self._listener is not None)

    def connections(self) -> int:
        return len(self._links)

    # --- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping:
            timeout = max(0.0, self._later[0][0] - time.monotonic()) if self._later else 0.5
            for key, _ in self._selector.select(timeout):
                if key.data == "wake":
                    self._wake_r.recv(4096)
                elif key.data == "listen":
                    self._accept()
                else:
                    self._forward(key.fileobj)  # type: ignore[arg-type]
            self._apply_mode()
            self._send_due()

    def _apply_mode(self) -> None:
        if self.mode == CUT:
            self._close_all()
            if self._listener is not None:
                self._selector.unregister(self._listener)
                self._listener.close()
                self._listener = None
        elif self._listener is None:
            self._listen()
        if self.mode == PASS:
            for link in {id(x): x for x in self._links.values()}.values():
                for sock, data in link.held:
                    self._send(link, sock, data)
                link.held.clear()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._selector.register(listener, selectors.EVENT_READ, "listen")

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = _Link(client, upstream)
        self._links[client] = self._links[upstream] = link
        self._selector.register(client, selectors.EVENT_READ, "data")
        self._selector.register(upstream, selectors.EVENT_READ, "data")

    def _forward(self, sock: socket.socket) -> None:
        link = self._links.get(sock)
        if link is None:
            return
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(link)
            return
        peer = link.peer_of(sock)
        if sock is link.client and self._take_drop():
            link.drop_after_request = True
        elif sock is link.upstream and link.drop_after_request:
            self.replies_dropped += 1
            self._close(link)  # Redis ran the request; its reply never arrives
            return
        if self.mode == BLACK_HOLE:
            link.held.append((peer, data))
        elif self.latency > 0:
            due = time.monotonic() + self.latency
            heapq.heappush(self._later, (due, next(self._seq), peer, data))
        else:
            self._send(link, peer, data)

    def _take_drop(self) -> bool:
        with self._lock:
            if not self._drop_next:
                return False
            self._drop_next -= 1
        return True

    def _send_due(self) -> None:
        now = time.monotonic()
        while self._later and self._later[0][0] <= now:
            _, _, peer, data = heapq.heappop(self._later)
            link = self._links.get(peer)
            if link is not None:
                self._send(link, peer, data)

    def _send(self, link: _Link, peer: socket.socket, data: bytes) -> None:
        try:
            peer.setblocking(True)
            peer.sendall(data)
            peer.setblocking(False)
        except OSError:
            self._close(link)

    def _close(self, link: _Link) -> None:
        if link.closed:
            return
        link.closed = True
        for sock in (link.client, link.upstream):
            self._links.pop(sock, None)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(sock)
            with contextlib.suppress(OSError):
                # SO_LINGER 0: the peer sees a reset at once, as when a route goes away.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            sock.close()

    def _close_all(self) -> None:
        for link in list(self._links.values()):
            self._close(link)
        self._later.clear()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _wait_applied(self, done: Callable[[], bool], timeout: float = 5.0) -> None:
        """Return once the loop thread applied a switch (`done()`), so the test acts after it."""
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.01)
