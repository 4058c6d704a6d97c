"""An idle worker's pickup is one round trip (BLPOP and the reserve script in one write).

Redis reads nothing more from a client blocked in BLPOP, so the reserve script sent behind it runs
the moment a wake-up token arrives. These tests watch that on the test Redis (CLIENT LIST, MONITOR)
with real worker processes, and check what follows from sending the script before the wait: its
times come from Redis TIME, and a payload taken while a stop or pause was pending goes back.
"""

from __future__ import annotations

import json
import re
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis as redis_py

from django_resque.storage import scripts
from django_resque.worker.loop import Worker
from django_resque.worker.registration import register
from tests import jobs
from tests.helpers import wait_until

_MARK = "idle-pickup-done"
_RESERVE_SHA = scripts._script("reserve")[1]


def blocked_in_blpop(redis: Any) -> dict[str, str] | None:
    """The one client blocked in BLPOP (an idle worker), as CLIENT LIST shows it."""
    blocked = [c for c in redis.client_list() if c["cmd"] == "blpop" and "b" in c["flags"]]
    return blocked[0] if len(blocked) == 1 else None


def redis_time(redis: Any) -> datetime:
    seconds, micros = redis.time()
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)


class Monitor:
    """Every command the test Redis runs, with the client port (MONITOR), until stop()."""

    def __init__(self, redis: Any) -> None:
        self.seen: list[tuple[str, str, str]] = []  # (client port or "lua", command, args)
        self._marker = redis_py.Redis(**_where(redis))
        self._marker.ping()
        # No socket timeout: MONITOR is silent while a worker process boots, which may take
        # longer than a client's default timeout on a loaded machine.
        self._monitor = redis_py.Redis(**_where(redis), socket_timeout=None).monitor().__enter__()
        ready = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(ready,), daemon=True)
        self._reader.start()
        ready.wait(10)

    def _read(self, ready: threading.Event) -> None:
        ready.set()
        for command in self._monitor.listen():
            if _MARK in command["command"]:
                return
            who = "lua" if command.get("client_type") == "lua" else str(command["client_port"])
            name, _, rest = command["command"].partition(" ")
            self.seen.append((who, name.upper(), rest))

    def stop(self) -> list[tuple[str, str, str]]:
        self._marker.echo(_MARK)
        self._reader.join(60)
        self._monitor.__exit__(None, None, None)
        self._marker.close()
        return self.seen


def _where(redis: Any) -> dict[str, Any]:
    kwargs = redis.connection_pool.connection_kwargs
    return {"host": kwargs["host"], "port": kwargs["port"], "db": kwargs.get("db", 0)}


def test_an_idle_worker_picks_up_a_job_in_one_round_trip(redis, ledger, start_worker):
    monitor = Monitor(redis)
    start_worker("--queues", "default", "--no-fork", "--interval", "4")
    idle = wait_until(lambda: blocked_in_blpop(redis), timeout=60)
    # While it waits, its reserve call is already in Redis's input buffer for its connection:
    # sent in the same write as the BLPOP, before any reply.
    assert int(idle["qbuf"]) > 0
    handle = jobs.record.delay(ledger, "picked")
    wait_until(lambda: jobs.read_ledger(ledger), timeout=60)
    seen = monitor.stop()
    marked = seen.index(("lua", "HGET", f"resque:dj:job:{handle.id} worker_ids"))
    taking = max(i for i, c in enumerate(seen[:marked]) if c[0] != "lua")  # whose script did it
    port, command, args = seen[taking]
    assert (command, args.split(" ")[0]) == ("EVALSHA", _RESERVE_SHA)  # the call that took it
    own = [c[1] for c in seen[:taking] if c[0] == port]
    assert own[-1] == "BLPOP"  # right behind the wait: nothing else was sent in between
    assert handle.wait(timeout=60).status == "succeeded"
    assert jobs.read_ledger(ledger)[0][0] == "picked"


def test_run_at_and_started_at_are_redis_time_when_the_job_arrived(redis, ledger):
    worker = Worker(["default"], interval=4)
    register(worker.id, worker.slot.token)
    taken: list[Any] = []
    waiting = threading.Thread(target=lambda: taken.append(worker.wait_for_work()))
    waiting.start()
    wait_until(lambda: blocked_in_blpop(redis), timeout=60)
    before = redis_time(redis)  # after the script was sent: a time it carried would be older
    handle = jobs.record.delay(ledger, "timed")
    waiting.join(60)
    after = redis_time(redis)
    assert taken[0][0] == "default" and handle.id.encode() in taken[0][1]
    started = handle.info().started_at
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", started)
    assert before <= datetime.strptime(started, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert datetime.strptime(started, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) <= after
    run_at = json.loads(redis.get(f"resque:worker:{worker.id}"))["run_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run_at)
    run_at_time = datetime.strptime(run_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before.replace(microsecond=0) <= run_at_time <= after


def wait_in_thread(redis: Any, worker: Worker) -> tuple[threading.Thread, list[Any]]:
    """Start `wait_for_work` in a thread and return once the worker is blocked in BLPOP."""
    taken: list[Any] = []
    waiting = threading.Thread(target=lambda: taken.append(worker.wait_for_work()))
    waiting.start()
    wait_until(lambda: blocked_in_blpop(redis), timeout=60)
    return waiting, taken


def test_a_job_taken_while_quit_or_pause_was_pending_goes_back_to_its_queue(redis, ledger):
    for request in ("quit", "paused"):
        worker = Worker(["default"], interval=4)
        register(worker.id, worker.slot.token)
        waiting, taken = wait_in_thread(redis, worker)
        setattr(worker.signals, request, True)  # what the QUIT/USR2 handler does meanwhile
        handle = jobs.record.delay(ledger, "arrived")
        waiting.join(60)
        assert taken == [None] and not worker.slot.reclaim
        (back,) = redis.lrange("resque:queue:default", 0, -1)
        assert json.loads(back)["id"] == handle.id
        assert not redis.exists(f"resque:worker:{worker.id}")
        redis.flushdb()
    assert jobs.read_ledger(ledger) == []


def test_after_a_script_cache_flush_the_idle_worker_loads_the_script_and_takes_the_job(
    redis, ledger
):
    worker = Worker(["default"], interval=4)
    register(worker.id, worker.slot.token)
    redis.script_flush()  # the script goes behind the BLPOP unloaded: NOSCRIPT
    waiting, taken = wait_in_thread(redis, worker)
    handle = jobs.record.delay(ledger, "after-flush")
    waiting.join(60)
    assert taken[0] is not None and handle.id.encode() in taken[0][1]
    assert handle.info().status == "running" and redis.llen("resque:queue:default") == 0


def signal_delivered(pid: int) -> bool:
    """True once the kernel has delivered every signal sent to `pid` (none pending)."""
    status = Path(f"/proc/{pid}/status").read_text()
    pending = re.findall(r"^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$", status, re.M)
    return all(int(mask, 16) == 0 for mask in pending)


def test_a_job_arriving_while_quit_is_pending_goes_back_and_the_worker_exits(
    redis, ledger, start_worker
):
    worker = start_worker("--queues", "default", "--no-fork", "--interval", "4")
    wait_until(lambda: blocked_in_blpop(redis), timeout=60)
    worker.send_signal(signal.SIGQUIT)
    wait_until(lambda: signal_delivered(worker.pid), timeout=60)  # its handler has run
    handle = jobs.record.delay(ledger, "too-late")
    assert worker.wait(timeout=60) == 0
    (back,) = redis.lrange("resque:queue:default", 0, -1)
    assert json.loads(back)["id"] == handle.id
    assert jobs.read_ledger(ledger) == []
    assert redis.scard("resque:workers") == 0 and not redis.keys("resque:worker:*")
    assert redis.get("resque:stat:processed") in (None, b"0")
