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


# --- worker faults (issue 4) ----------------------------------------------------------------
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


@job(timeout=1)
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
def crash(how: str) -> None:
    import ctypes
    import signal

    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif how == "segfault":
        ctypes.string_at(0)
    os._exit(3)


@job
def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


@job
def kill_my_worker(ledger: str) -> None:
    """A poison pill: takes its worker down with it (the child dies by PR_SET_PDEATHSIG)."""
    import signal

    write_ledger(ledger, "start", os.getpid())
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(60)


@job
def slow_fail(ledger: str, seconds: float) -> None:
    write_ledger(ledger, "start", "t", os.getpid())
    for _ in range(int(seconds / 0.05)):
        time.sleep(0.05)
    write_ledger(ledger, "end", "t", os.getpid())
    raise ValueError("failed on purpose")
