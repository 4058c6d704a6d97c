"""django-rq's jobs: the harness's job bodies, with the worker's own connection (as rq_jobs.py).

A fresh connection per job in a fork-per-job worker would add a connect + HELLO that is not
RQ's cost.
"""

from peerjobs.common import count_body, stamp_body
from rq import get_current_job


def _conn():
    job = get_current_job()
    return job.connection if job is not None else None


def count(i):
    return count_body(i, _conn())


def stamp(t_enq):
    return stamp_body(t_enq, _conn())
