"""Celery tasks of the Django project (found by app.autodiscover_tasks()).

Named as the harness's Celery peer names its tasks, so the producer side (peerjobs/celery_app.py,
the same messages) needs no Django settings in the harness process.
"""

from celery import shared_task
from iojobs.wait import wait_body
from peerjobs.common import count_body, stamp_body


@shared_task(name="bench.count")
def count(i):
    return count_body(i)


@shared_task(name="bench.stamp")
def stamp(t_enq):
    return stamp_body(t_enq)


@shared_task(name="bench.io_wait")
def io_wait(i):
    return wait_body(i)
