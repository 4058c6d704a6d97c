"""Jobs the tests enqueue; workers find them because `tests` is an installed app.

Each job that must be counted appends a line to a ledger file (O_APPEND, fsync), so tests count
executions instead of inferring them.
"""

from __future__ import annotations

import os
import time

from django_resque import job


def write_ledger(path: str, *fields: object) -> None:
    line = (" ".join(str(f) for f in fields) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_ledger(path: str) -> list[list[str]]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


@job
def record(ledger: str, token: str) -> str:
    write_ledger(ledger, token, os.getpid())
    return token


@job(queue="high")
def record_high(ledger: str, token: str) -> None:
    write_ledger(ledger, "high", token)


@job(queue="low")
def record_low(ledger: str, token: str) -> None:
    write_ledger(ledger, "low", token)


@job(name="Emailer")
def emailer(ledger: str, subject: str) -> None:
    write_ledger(ledger, "Emailer", subject)


@job(name="Billing::Charge")
def charge(ledger: str, cents: int) -> None:
    write_ledger(ledger, "Billing::Charge", cents)


@job
def add(a: int, b: int, *, scale: int = 1) -> int:
    return (a + b) * scale


@job
def fail(message: str) -> None:
    raise ValueError(message)


@job
def exit_hard(code: int) -> None:
    os._exit(code)


@job
def sleep_for(ledger: str, seconds: float) -> None:
    write_ledger(ledger, "start", os.getpid())
    time.sleep(seconds)
    write_ledger(ledger, "end", os.getpid())


# --- jobs that use django_resque's own client inside a forked child ------------------------
@job
def note_client(key: str) -> None:
    """Append the server-side id of the connection get_redis() gives this job."""
    from django_resque.storage.connection import get_redis

    client = get_redis()
    client.rpush(key, client.client_id())


@job
def leave_reply_unread(key: str) -> None:
    """Send a command and return without reading its reply (misuse the worker must survive)."""
    from django_resque.storage.connection import get_redis

    client = get_redis()
    client.rpush(key, client.client_id())
    client.connection.send_command("ECHO", "unread")  # type: ignore[union-attr]


@job
def push_when_told(ledger: str, key: str, path: str) -> str:
    """Ledger `start`, wait (30 s at most) for the file `path`, then RPUSH on get_redis(), trying
    again for 15 s while Redis is unavailable: a job that rides out a failover in its child."""
    import redis

    from django_resque.storage.connection import get_redis, unavailable

    write_ledger(ledger, "start", key, os.getpid())
    for _ in range(3000):
        if os.path.exists(path):
            break
        time.sleep(0.01)
    deadline = time.monotonic() + 15
    while True:
        try:
            get_redis().rpush(key, "pushed")
            return key
        except redis.RedisError as exc:
            write_ledger(ledger, "error", key, type(exc).__name__)
            if not unavailable(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- worker faults ------------------------------------------------------------------------
@job
def slow_record(ledger: str, token: str, seconds: float) -> str:
    """Ledger `start <token> <pid>`, sleep, then `end <token> <pid>`: a run is complete at end.

    Sleeps in short steps, so time spent stopped (SIGSTOP) does not count as work done.
    """
    write_ledger(ledger, "start", token, os.getpid())
    for _ in range(int(seconds / 0.05)):
        time.sleep(0.05)
    write_ledger(ledger, "end", token, os.getpid())
    return token


@job(at_most_once=True)
def slow_once(ledger: str, token: str, seconds: float) -> None:
    write_ledger(ledger, "start", token, os.getpid())
    time.sleep(seconds)
    write_ledger(ledger, "end", token, os.getpid())


@job(timeout=2)
def hang_with_grandchild(ledger: str) -> None:
    """Ignore SIGALRM, leave a grandchild, and hang: only the parent's kill can end this."""
    import signal
    import subprocess

    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    grandchild = subprocess.Popen(["sleep", "600"])
    write_ledger(ledger, "grandchild", grandchild.pid, os.getpid())
    time.sleep(600)


@job
def leave_grandchild(ledger: str) -> None:
    import subprocess

    grandchild = subprocess.Popen(["sleep", "600"])
    write_ledger(ledger, "grandchild", grandchild.pid, os.getpid())


@job
def fork_grandchild(ledger: str) -> None:
    """Leave a forked grandchild that keeps every fd, the report pipe included, and sleeps."""
    grandchild = os.fork()
    if grandchild == 0:  # pragma: no cover  (runs in the grandchild)
        try:
            time.sleep(600)
        finally:
            os._exit(0)
    write_ledger(ledger, "grandchild", grandchild, os.getpid())


@job
def crash(how: str) -> None:
    import ctypes
    import faulthandler
    import signal

    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif how == "segfault":
        faulthandler.disable()  # a child of the test process would dump its stack first
        ctypes.string_at(0)
    os._exit(3)


@job
def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


@job
def describe(comment: object, extra: dict[str, object] | None = None) -> str:
    """Receives a model instance fetched afresh by the worker."""
    return f"{type(comment).__name__}:{getattr(comment, 'pk', None)}:{getattr(comment, 'body', '')}"


@job
def count_comments(ledger: str) -> int:
    """A job that reads the database from a worker."""
    from tests.models import Comment

    total = Comment.objects.count()
    write_ledger(ledger, "comments", total)
    return total


@job
def use_database(ledger: str) -> None:
    """Records whether the worker handed this job a closed (fresh) DB connection."""
    from django.db import connection

    from tests.models import Comment

    write_ledger(ledger, "fresh" if connection.connection is None else "reused")
    Comment.objects.count()


# --- retries, hooks, results --------------------------------------------------------------
def _no_wait(attempt: int) -> float:
    return 0.0


@job(retries=3, backoff=_no_wait)
def flaky(ledger: str, succeed_on: int) -> int:
    """Fail until attempt `succeed_on`, then return the attempt number."""
    from django_resque import current_attempt

    attempt = current_attempt()
    write_ledger(ledger, "flaky", attempt)
    if attempt < succeed_on:
        raise ConnectionError(f"attempt {attempt} failed")
    return attempt


@job(retries=2, backoff=_no_wait)
def always_fails(ledger: str) -> None:
    from django_resque import current_attempt

    write_ledger(ledger, "always_fails", current_attempt())
    raise TimeoutError("the third party never answers")


@job(retries=5, backoff=_no_wait, give_up_on=(KeyError,))
def gives_up(ledger: str) -> None:
    write_ledger(ledger, "gives_up")
    raise KeyError("no such account")


@job(retries=5, backoff=_no_wait, retry_on=(ConnectionError,))
def not_retried(ledger: str) -> None:
    write_ledger(ledger, "not_retried")
    raise ValueError("a bug, not an outage")


@job(retries=1, backoff=_no_wait)
def dies_once(ledger: str) -> str:
    from django_resque import current_attempt

    write_ledger(ledger, "dies_once", current_attempt())
    if current_attempt() == 1:
        os._exit(7)
    return "survived"


def _hook(name: str):
    def hook(*args: object, **kwargs: object) -> object:
        ledger = args[1] if name in {"on_failure"} else args[0]
        write_ledger(str(ledger), name)
        return None

    hook.__name__ = name
    return hook


def _around(run, ledger: str, *args: object) -> object:
    write_ledger(ledger, "around:before")
    result = run()
    write_ledger(ledger, "around:after")
    return result


def _skip(ledger: str, *args: object) -> None:
    from django_resque.exceptions import DontPerform

    write_ledger(ledger, "before_perform")
    raise DontPerform


def _cancel(ledger: str, *args: object) -> bool:
    return False


@job(
    before_enqueue=_hook("before_enqueue"),
    after_enqueue=_hook("after_enqueue"),
    before_perform=_hook("before_perform"),
    around_perform=_around,
    after_perform=_hook("after_perform"),
    on_failure=_hook("on_failure"),
)
def hooked(ledger: str, fail: bool) -> str:
    write_ledger(ledger, "perform")
    if fail:
        raise RuntimeError("hooked job failed")
    return "ok"


@job(before_perform=_skip)
def skipped(ledger: str) -> None:
    write_ledger(ledger, "perform")


@job(before_enqueue=_cancel)
def cancelled(ledger: str) -> None:
    write_ledger(ledger, "perform")


@job(retries=1, backoff=_no_wait, on_failure=_hook("on_failure"))
def dies_always(ledger: str) -> None:
    os._exit(3)


@job(store_result=False)
def no_result(ledger: str) -> str:
    write_ledger(ledger, "no_result")
    return "unseen"


@job
def kill_my_worker(ledger: str) -> None:
    """A poison pill: takes its worker down with it (the child dies by PR_SET_PDEATHSIG)."""
    import signal

    import psutil

    write_ledger(ledger, "start", os.getpid())
    parent = psutil.Process(os.getppid())
    if "Zygote" in " ".join(parent.cmdline()):  # forked by the worker's zygote (prefork.py)
        parent = parent.parent()
    os.kill(parent.pid, signal.SIGKILL)
    time.sleep(60)


@job
def slow_fail(ledger: str, seconds: float) -> None:
    write_ledger(ledger, "start", "t", os.getpid())
    for _ in range(int(seconds / 0.05)):
        time.sleep(0.05)
    write_ledger(ledger, "end", "t", os.getpid())
    raise ValueError("failed on purpose")


@job
def takes_queue(name: str, queue: str) -> str:
    """A job whose own argument is called `queue`, like a job option."""
    return f"{name}:{queue}"


# --- many jobs at once (--threads) ----------------------------------------------------------
@job
def overlap(ledger: str, token: str, seconds: float) -> str:
    """Ledger `start|end <token> <pid> <thread> <time>`: overlapping runs show in the stamps."""
    import threading

    thread = threading.get_ident()
    write_ledger(ledger, "start", token, os.getpid(), thread, time.time())
    time.sleep(seconds)
    write_ledger(ledger, "end", token, os.getpid(), thread, time.time())
    return token


@job
async def async_overlap(ledger: str, token: str, seconds: float) -> str:
    """overlap, as a coroutine; its `thread` field is the event loop it ran on."""
    import asyncio

    loop = id(asyncio.get_running_loop())
    write_ledger(ledger, "start", token, os.getpid(), loop, time.time())
    await asyncio.sleep(seconds)
    write_ledger(ledger, "end", token, os.getpid(), loop, time.time())
    return token


@job
async def async_database(ledger: str) -> int:
    """An async job that reads the database the Django way, through sync_to_async.

    Ledger `async-db fresh|reused <comments>`: whether the ORM call found a closed (fresh)
    connection in the thread it ran in.
    """
    from asgiref.sync import sync_to_async
    from django.db import connection

    from tests.models import Comment

    def count() -> tuple[str, int]:
        fresh = "fresh" if connection.connection is None else "reused"
        return fresh, Comment.objects.count()

    fresh, total = await sync_to_async(count)()
    write_ledger(ledger, "async-db", fresh, total)
    return total


@job(timeout=1)
def overlap_past_timeout(ledger: str, token: str) -> None:
    write_ledger(ledger, "start", token, os.getpid(), 0, time.time())
    time.sleep(60)


# --- groups ---------------------------------------------------------------------------------
@job
def group_member(ledger: str, token: str) -> str:
    """Ledger `member <token> <group id or ->`."""
    from django_resque import current_group

    group = current_group()
    write_ledger(ledger, "member", token, group.id if group else "-")
    return token


@job
def group_callback(ledger: str, name: str) -> None:
    write_ledger(ledger, "callback", name)


@job
def fan_out(ledger: str, n: int, seconds: float = 0.0) -> None:
    """Cascade: n members join this job's group; one more job is sent outside it."""
    time.sleep(seconds)
    group_member.enqueue_many([(ledger, f"cascade{i}") for i in range(n)])
    group_member.using(group=None).delay(ledger, "outside")


@job
def nest(ledger: str, depth: int) -> None:
    """A child group per level, each with one member that nests one level deeper."""
    from django_resque import Group

    write_ledger(ledger, "level", depth)
    if depth > 1:
        with Group.create(name=f"level {depth - 1}"):
            nest.delay(ledger, depth - 1)


@job
def fails_until_flag(ledger: str, flag: str) -> None:
    """Fails until the file `flag` exists (a fix deployed, then the failure retried)."""
    write_ledger(ledger, "attempt", os.path.exists(flag))
    if not os.path.exists(flag):
        raise RuntimeError("not yet")


# --- limits ---------------------------------------------------------------------------------
def _stamped(ledger: str, token: str, seconds: float) -> str:
    """Ledger `start|end <token> <pid> <time>`: the runs' own start and end stamps."""
    write_ledger(ledger, "start", token, os.getpid(), time.time())
    time.sleep(seconds)
    write_ledger(ledger, "end", token, os.getpid(), time.time())
    return token


@job(concurrency=2)
def two_at_once(ledger: str, token: str, seconds: float) -> str:
    return _stamped(ledger, token, seconds)


@job(concurrency=1)
def one_at_once(ledger: str, token: str, seconds: float) -> str:
    return _stamped(ledger, token, seconds)


@job(concurrency=1, concurrency_key=lambda ledger, account, token, seconds: account)
def one_per_account(ledger: str, account: str, token: str, seconds: float) -> str:
    return _stamped(ledger, f"{account}-{token}", seconds)


@job(rate_limit="3/2s")
def three_per_two_seconds(ledger: str, token: str) -> str:
    return _stamped(ledger, token, 0)


@job(unique="until_executing")
def unique_until_executing(ledger: str, token: str, seconds: float) -> str:
    return _stamped(ledger, token, seconds)


@job(unique="until_executed", unique_for=60)
def unique_until_executed(ledger: str, token: str, seconds: float) -> str:
    return _stamped(ledger, token, seconds)


@job(unique="while_executing")
def unique_while_executing(ledger: str, token: str, seconds: float) -> str:
    return _stamped(ledger, token, seconds)


@job(unique="until_executed", unique_key=lambda ledger, site, **kw: site)
def rebuild_site(ledger: str, site: int, token: str = "") -> str:
    return _stamped(ledger, f"{site}-{token}", 0)


@job(unique="until_executed", retries=1, backoff=lambda attempt: 1.0)
def unique_failing(ledger: str) -> None:
    write_ledger(ledger, "attempt")
    raise RuntimeError("fails every time")


# --- tracing ------------------------------------------------------------------------------
@job
def current_span_ids() -> list[str]:
    """The trace and span ids of the span current while the job runs, as hex."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return [f"{context.trace_id:032x}", f"{context.span_id:016x}"]


# --- network faults -------------------------------------------------------------------------
@job
def until_file(ledger: str, token: str, path: str, fail: bool) -> str:
    """Ledger `start`, wait (30 s at most) for a file `<path>.<pid>`, ledger `end`; fail or return.

    The test decides when each run of the job ends, to the moment: as a link heals, for instance.
    """
    write_ledger(ledger, "start", token, os.getpid())
    for _ in range(3000):
        if os.path.exists(f"{path}.{os.getpid()}"):
            break
        time.sleep(0.01)
    write_ledger(ledger, "end", token, os.getpid())
    if fail:
        raise ValueError(f"{token} failed on purpose")
    return token
