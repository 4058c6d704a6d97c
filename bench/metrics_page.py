"""How long the admin's Metrics pages take when every job name ran in every step of a window.

Starts a private redis-server and writes, for JOBS job names and QUEUES queues, one hash per
minute of the last 9 hours and per hour of the last 75 (the layout storage/metric_keys.py
documents, as the workers' scripts leave it: n, f, us and a few buckets). That is the most a
window can hold. Then renders the Metrics page in each window, and one job's page, with
Django's test client and prints the median of several renders. Figures for docs/admin.md.

    .venv/bin/python bench/metrics_page.py [JOBS] [QUEUES]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("RESQUE_TEST_DB", ":memory:")

WINDOWS = ("1h", "8h", "24h", "3d")
# One step's hash per (name, period), in a Lua loop so a fill is a few round trips.
FILL = """
for p = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local key = KEYS[1] .. p .. ':' .. ARGV[3]
  redis.call('HSET', key, 'n', 12, 'f', 1, 'us', 2400000, '3', 4, '5', 6, '8', 2)
end
"""


def main() -> None:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    queues = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    from private_redis import RedisServer

    server = RedisServer().start()
    os.environ["RESQUE_TEST_REDIS_URL"] = server.url
    try:
        run(server.url, jobs, queues)
    finally:
        server.stop()


def run(url: str, jobs: int, queues: int) -> None:
    import django
    import redis

    django.setup()
    from admin_pages import login, report
    from django.conf import settings

    settings.RESQUE["REDIS_URL"] = url
    client = redis.Redis.from_url(url)
    fill(client, jobs, queues)
    print(
        f"filled {jobs} job names and {queues} queues over every step; "
        f"redis used_memory {client.info('memory')['used_memory_human']}"
    )
    base = "/admin/django_resque/metrics/"
    report(
        [
            *((f"Metrics, {w}", f"{base}?window={w}") for w in WINDOWS),
            *((f"One job, {w}", f"{base}detail/?name=bench.job.0&window={w}") for w in WINDOWS),
        ],
        login(),
    )


def fill(client, jobs: int, queues: int) -> None:
    from django_resque.storage.keys import get_keys

    keys, script = get_keys(), client.register_script(FILL)
    minute, hour = int(time.time()) // 60, int(time.time()) // 3600
    prefix = keys.metrics_prefix()
    for n in range(jobs):
        name = f"bench.job.{n}"
        client.hset(keys.metrics_totals(), f"p\nq0\n{name}", 1)
        script(keys=[f"{prefix}job:m:"], args=[minute - 9 * 60, minute, name])
        script(keys=[f"{prefix}job:h:"], args=[hour - 75, hour, name])
    for n in range(queues):
        client.sadd(keys.queues(), f"q{n}")
        script(keys=[f"{prefix}wait:m:"], args=[minute - 9 * 60, minute, f"q{n}"])
        script(keys=[f"{prefix}wait:h:"], args=[hour - 75, hour, f"q{n}"])


if __name__ == "__main__":
    main()
