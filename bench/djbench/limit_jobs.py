"""No-op jobs with limits, for bench/limits.py (imported by djbench/jobs.py).

Each takes a distinct `i` per call, as `bench.noop` does: a unique job then takes a new lock on
every enqueue. None of the limits below is reached by one worker: 1,000 slots, a million starts
a second. `noop_one` (concurrency=1) is the exception, for the two-worker scenario where the
limit is reached and payloads go through its waiting list.
"""

from peerjobs.common import QUEUE

from django_resque import job


@job(name="bench.noop_concurrency", queue=QUEUE, concurrency=1000)
def noop_concurrency(i: int) -> None:
    return None


@job(name="bench.noop_unique", queue=QUEUE, unique="until_executed")
def noop_unique(i: int) -> None:
    return None


@job(name="bench.noop_rate", queue=QUEUE, rate_limit="1000000/s")
def noop_rate(i: int) -> None:
    return None


@job(name="bench.noop_one", queue=QUEUE, concurrency=1)
def noop_one(i: int) -> None:
    return None
