"""Sidekiq (Debian's ruby-sidekiq) as a peer: `sidekiq -r bench/sidekiq/bench_jobs.rb -q bench`.

Jobs are pushed from Python as Sidekiq::Client.push writes them: a JSON payload LPUSHed on
queue:bench and the queue added to the `queues` set, in one MULTI (push_bulk sends a whole chunk
in one LPUSH). The worker's Ruby jobs (BenchCount, BenchStamp, BenchIoWait) do the harness's
bookkeeping. Without a sidekiq that loads and reaches the private Redis, `unavailable()` says
why and bench/run.py leaves the system out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import redis
from peers import CHUNK, Adapter, WorkerConfig, register

HERE = Path(__file__).resolve().parent
JOBS = str(HERE / "sidekiq" / "bench_jobs.rb")
CLASSES = {"count": "BenchCount", "stamp": "BenchStamp", "io": "BenchIoWait"}
PROBE = 'require "sidekiq"; Sidekiq.redis { |c| c.ping }; print Sidekiq::VERSION'


def probe(url: str) -> tuple[str | None, str]:
    """(reason it cannot run, or None; Sidekiq's version): load sidekiq and PING the Redis."""
    if not shutil.which("sidekiq") or not shutil.which("ruby"):
        return "no `sidekiq`/`ruby` on PATH (as root: apt-get install -y ruby-sidekiq)", ""
    try:
        done = subprocess.run(
            ["ruby", "-e", PROBE],
            env={**os.environ, "REDIS_URL": url},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "ruby -e 'require \"sidekiq\"; Sidekiq.redis { ping }' took over 30 s", ""
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"sidekiq does not load or reach the private Redis: {last}", ""
    return None, done.stdout.strip()


def payload(cls: str, arg: object) -> str:
    now = time.time()
    return json.dumps(
        {
            "class": cls,
            "args": [arg],
            "retry": True,
            "queue": "bench",
            "jid": os.urandom(12).hex(),
            "created_at": now,
            "enqueued_at": now,
        }
    )


@register
class SidekiqAdapter(Adapter):
    name = "sidekiq"
    packages = ("redis",)
    bulk_label = "one LPUSH of 1000 payloads per MULTI, as Sidekiq::Client.push_bulk (from Python)"
    version = ""

    @classmethod
    def unavailable(cls, url: str) -> str | None:
        reason, cls.version = probe(url)
        return reason

    def setup(self):
        self.r = redis.Redis.from_url(self.url)

    def push(self, fn: str, args: list) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.sadd("queues", "bench")
            pipe.lpush("queue:bench", *(payload(CLASSES[fn], a) for a in args))
            pipe.execute()

    def enqueue(self, fn, arg):
        self.push(fn, [arg])

    def enqueue_bulk(self, fn, args):
        for s in range(0, len(args), CHUNK):
            self.push(fn, args[s : s + CHUNK])

    def queued(self):
        return self.r.llen("queue:bench")

    def worker_configs(self):
        return [
            WorkerConfig(
                "sidekiq-c1",
                [sidekiq_worker(1)],
                env={"REDIS_URL": self.url},
                note="sidekiq -c 1 (one Ruby process, one job thread)",
            )
        ]


def sidekiq_worker(concurrency: int) -> list[str]:
    return ["sidekiq", "-r", JOBS, "-q", "bench", "-c", str(concurrency)]
