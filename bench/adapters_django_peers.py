"""The peers a Django user would pick, with Django loaded in their workers as in production.

django_rq:      `manage.py rqworker bench` (django-rq's forking worker) in bench/djpeers with
                settings_rq; the jobs are djpeers/jobs.py, the bare RQ peer's job bodies.
celery_django:  `celery -A djpeers worker` (the app configured from Django settings with
                config_from_object('django.conf:settings', namespace='CELERY') and
                autodiscover_tasks(); settings_celery), Redis broker on the bench's Redis.

The producer side runs in the harness process, which may already hold djbench's Django settings,
so it uses the bare libraries with the same payloads: rq's Queue.enqueue of djpeers.jobs
functions (what django_rq.enqueue calls), and the harness's Celery app sending tasks by the
names djpeers/tasks.py registers. Their enqueue rows are therefore the bare peers' producers;
the worker rows are what is new.
"""

from __future__ import annotations

import sys
from pathlib import Path

from peers import CeleryAdapter, RQAdapter, WorkerConfig, register

HERE = Path(__file__).resolve().parent


@register
class DjangoRQAdapter(RQAdapter):
    name = "django_rq"
    packages = ("django", "django-rq", "rq")

    def setup(self):
        super().setup()
        from djpeers import jobs

        self.funcs = {"count": jobs.count, "stamp": jobs.stamp}

    def worker_configs(self):
        argv = [sys.executable, "-m", "django", "rqworker", "--verbosity", "0", "bench"]
        return [
            WorkerConfig(
                "django-rq-fork-1p",
                [argv],
                fork_per_job=True,
                cwd=str(HERE),
                env={"DJANGO_SETTINGS_MODULE": "djpeers.settings_rq"},
                note="manage.py rqworker: django-rq's default forking rq.Worker, Django loaded",
            )
        ]


def celery_worker(pool: str, concurrency: int) -> list[str]:
    """`celery -A djpeers worker` with the given pool (also used by bench/io_workload.py)."""
    celery = str(Path(sys.executable).parent / "celery")
    return [
        celery,
        "-A",
        "djpeers",
        "worker",
        "-Q",
        "bench",
        "--loglevel=WARNING",
        "-P",
        pool,
        "-c",
        str(concurrency),
    ]


CELERY_ENV = {"DJANGO_SETTINGS_MODULE": "djpeers.settings_celery"}


@register
class CeleryDjangoAdapter(CeleryAdapter):
    name = "celery_django"
    packages = ("django", "celery", "kombu", "billiard")

    def worker_configs(self):
        return [
            WorkerConfig(
                "celery-dj-prefork-c1",
                [celery_worker("prefork", 1)],
                cwd=str(HERE),
                env=CELERY_ENV,
                note="celery -A djpeers worker -P prefork -c 1 (Django integration)",
            )
        ]
