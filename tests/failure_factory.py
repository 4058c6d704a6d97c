"""Fill the failure registry fast (pipelined Lua calls), for bulk tests and bench/."""

from __future__ import annotations

import json
import uuid

import redis as redis_py

from django_resque.failures.records import build
from django_resque.jobs.outcome import Outcome
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

QUEUES, JOBS, EXCEPTIONS = 4, 5, 3


def facets(n: int) -> tuple[str, str, str]:
    return f"q{n % QUEUES}", f"J{n % JOBS}", f"E{n % EXCEPTIONS}"


def fill(client: redis_py.Redis, count: int, *, start: int = 0, chunk: int = 2000) -> None:
    """Save `count` failure records whose queue/job/exception cycle through small sets."""
    keys = get_keys()
    scripts.run(
        "job_finish", [keys.job("-")] * 9, ["ok", "x:", "", 0, "null", "", "", "", ""]
    )  # load it
    _, sha = scripts._script("job_finish")
    for base in range(start, start + count, chunk):
        with client.pipeline(transaction=False) as pipe:
            for n in range(base, min(base + chunk, start + count)):
                queue, job, exc = facets(n)
                raw = json.dumps({"class": job, "args": [n], "id": uuid.uuid4().hex})
                outcome = Outcome(ok=False, exception=exc, error=f"failure {n}", backtrace=[])
                record = build(raw.encode(), outcome, queue=queue, worker_id="bench:1:q")
                pipe.evalsha(
                    sha,
                    9,
                    keys.job("-"),
                    keys.failed(),
                    keys.failed_data(),
                    keys.failed_seq(),
                    keys.stat("failed"),
                    keys.stat("failed", "bench:1:q"),
                    keys.retries(),
                    keys.stat("retried"),
                    keys.failed_index(),
                    "fail",
                    keys.failed_index_prefix(),
                    "",
                    0,
                    "{}",
                    record["id"],
                    record.encode(),
                )
            pipe.execute()
