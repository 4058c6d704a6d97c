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


@job
def describe(comment: object, extra: dict[str, object] | None = None) -> str:
    """Issue 8: receives a model instance fetched afresh by the worker."""
    return f"{type(comment).__name__}:{getattr(comment, 'pk', None)}:{getattr(comment, 'body', '')}"


@job
def count_comments(ledger: str) -> int:
    """Issue 8: a job that reads the database from a worker."""
    from tests.models import Comment

    total = Comment.objects.count()
    write_ledger(ledger, "comments", total)
    return total


@job
def use_database(ledger: str) -> None:
    """Issue 8: records whether the worker handed this job a closed (fresh) DB connection."""
    from django.db import connection

    from tests.models import Comment

    write_ledger(ledger, "fresh" if connection.connection is None else "reused")
    Comment.objects.count()
