"""django_resque adapter for the shared peer harness (peers.py --adapter-module)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import redis
from peers import Adapter, WorkerConfig, register

HERE = Path(__file__).resolve().parent
SETTINGS = "djbench.settings"
# "2 processes": `resque_work --count 2` once the supervisor exists, else two resque_work
# processes side by side (set by run.py after asking the command whether it knows --count).
COUNT_OPTION = os.environ.get("BENCH_DRES_COUNT_OPTION") == "1"


@register
class DjangoResqueAdapter(Adapter):
    name = "django_resque"
    packages = ("django", "django-resque", "redis", "hiredis")
    bulk_label = "job.enqueue_many() (chunks of 1000 per enqueue.lua call)"

    def setup(self) -> None:
        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
        os.environ["BENCH_REDIS_URL"] = self.url
        import django

        django.setup()
        from djbench import jobs

        self.funcs = {"count": jobs.count, "stamp": jobs.stamp}
        self.r = redis.Redis.from_url(self.url)

    def enqueue(self, fn: str, arg: object) -> None:
        self.funcs[fn].delay(arg)

    def enqueue_bulk(self, fn: str, args: list) -> None:
        self.funcs[fn].enqueue_many([(a,) for a in args])

    def queued(self) -> int:
        return int(self.r.llen("resque:queue:bench"))

    def worker_configs(self) -> list[WorkerConfig]:
        work = [sys.executable, "-m", "django", "resque_work", "--queues", "bench"]
        nofork = [*work, "--no-fork"]
        env = {"DJANGO_SETTINGS_MODULE": SETTINGS}
        two = [[*nofork, "--count", "2"]] if COUNT_OPTION else [nofork, nofork]
        how = "resque_work --count 2 --no-fork" if COUNT_OPTION else "2 resque_work --no-fork"
        return [
            WorkerConfig(
                "dres-fork-1p",
                [work],
                fork_per_job=True,
                n_jobs=1000,
                cwd=str(HERE),
                env=env,
                note="resque_work: fork per job (Resque's model)",
            ),
            WorkerConfig(
                "dres-fork-1p-atpickup",
                [work],
                fork_per_job=True,
                n_jobs=1000,
                cwd=str(HERE),
                env={**env, "BENCH_FORK_AHEAD": "0"},
                note="resque_work with RESQUE['FORK_AHEAD'] = False: fork when a job is taken",
            ),
            WorkerConfig(
                "dres-nofork-1p", [nofork], cwd=str(HERE), env=env, note="resque_work --no-fork"
            ),
            WorkerConfig("dres-nofork-2p", two, cwd=str(HERE), env=env, note=how),
        ]
