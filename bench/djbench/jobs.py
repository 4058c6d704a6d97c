"""The harness's jobs as django_resque jobs (found by autodiscovery of `jobs` modules).

They use django_resque's own per-process client, as a user's job would, so a forked child's
connection cost is django_resque's, not the benchmark's. `io_wait` is the I/O workload's job
(bench/io_workload.py): a 50 ms wait on the bench's local TCP server. `noop` is the plain job of
bench/limits.py, beside the same no-op with limits (djbench/limit_jobs.py).
"""

from iojobs.wait import wait_body
from peerjobs.common import QUEUE, count_body, stamp_body

from django_resque import job
from django_resque.storage.connection import get_redis


@job(name="bench.count", queue=QUEUE)
def count(i: int) -> None:
    count_body(i, get_redis())


@job(name="bench.stamp", queue=QUEUE)
def stamp(t_enq: float) -> None:
    stamp_body(t_enq, get_redis())


@job(name="bench.noop", queue=QUEUE)
def noop(i: int) -> None:
    return None


@job(name="bench.io_wait", queue=QUEUE)
def io_wait(i: int) -> None:
    wait_body(i, get_redis())


# The async variant lives in its own module, imported here so autodiscovery finds it: a @job
# that refuses coroutine functions raises at decoration, and that must leave the jobs above
# registered. The adapter skips dres-io-async16 when io_wait_async is None, printing why.
try:
    from djbench.async_jobs import io_wait_async
except Exception as exc:  # noqa: BLE001 (any refusal at decoration: InvalidJob, TypeError, ...)
    io_wait_async = None
    ASYNC_REFUSED = f"{type(exc).__name__}: {exc}"
else:
    ASYNC_REFUSED = ""


# The jobs with limits, likewise: bench/limits.py runs the plain job against a checkout from
# before the limits (whose @job refuses their options) with this same project.
try:
    from djbench import limit_jobs
except Exception as exc:  # noqa: BLE001 (InvalidJob for an unknown option, ...)
    limit_jobs = None  # type: ignore[assignment]
    LIMITS_REFUSED = f"{type(exc).__name__}: {exc}"
else:
    LIMITS_REFUSED = ""
