"""The harness's two jobs as django_resque jobs (found by autodiscovery of `jobs` modules).

They use django_resque's own per-process client, as a user's job would, so a forked child's
connection cost is django_resque's, not the benchmark's.
"""

from peerjobs.common import QUEUE, count_body, stamp_body

from django_resque import job
from django_resque.storage.connection import get_redis


@job(name="bench.count", queue=QUEUE)
def count(i: int) -> None:
    count_body(i, get_redis())


@job(name="bench.stamp", queue=QUEUE)
def stamp(t_enq: float) -> None:
    stamp_body(t_enq, get_redis())
