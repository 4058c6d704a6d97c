"""How long each admin page takes at scale: 1,000,000 failed jobs and 100,000 queued payloads.

Starts a private redis-server, fills it (queued payloads and delayed jobs with a Lua loop,
failures through the registry's own script, a few workers), then renders every page with
Django's test client as a logged-in superuser and prints the median of several renders.
Timings are figures for docs/admin.md, not assertions.

    .venv/bin/python bench/admin_pages.py [FAILURES] [QUEUED]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("RESQUE_TEST_DB", ":memory:")

# Lua loops: fill in chunks so no single script blocks Redis for long.
PUSH_QUEUE = """
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  redis.call('RPUSH', KEYS[1], '{"class":"bench.Job","args":[' .. i .. ',"payload ' .. i .. '"]}')
end
redis.call('SADD', KEYS[2], ARGV[3])
"""
PUSH_DELAYED = """
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local ts = tonumber(ARGV[3]) + i
  redis.call('RPUSH', KEYS[1] .. ts, '{"class":"bench.Job","args":[' .. i .. '],"queue":"default"}')
  redis.call('ZADD', KEYS[2], ts, ts)
end
"""
RUNS = 5


def main() -> None:
    failures = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    queued = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    from private_redis import RedisServer

    server = RedisServer().start()
    os.environ["RESQUE_TEST_REDIS_URL"] = server.url
    try:
        run(server.url, failures, queued)
    finally:
        server.stop()


def run(url: str, failures: int, queued: int) -> None:
    import django
    import redis

    django.setup()
    from django.conf import settings

    settings.RESQUE["REDIS_URL"] = url
    client = redis.Redis.from_url(url)
    started = time.perf_counter()
    fill(client, failures, queued)
    print(
        f"filled {failures:,} failures and {queued:,} queued in "
        f"{time.perf_counter() - started:.0f} s; "
        f"redis used_memory {client.info('memory')['used_memory_human']}"
    )
    report(pages(), login())


def fill(client, failures: int, queued: int) -> None:
    from django_resque.storage.keys import get_keys
    from tests.failure_factory import fill as fill_failures

    keys = get_keys()
    push = client.register_script(PUSH_QUEUE)
    for start in range(0, queued, 10_000):
        end = min(start + 10_000, queued) - 1
        push(keys=[keys.queue("default"), keys.queues()], args=[start, end, "default"])
    delayed = client.register_script(PUSH_DELAYED)
    base = int(time.time()) + 3600
    for start in range(0, 10_000, 5_000):
        prefix = keys.delayed(0)[:-1]
        delayed(keys=[prefix, keys.delayed_schedule()], args=[start, start + 4_999, base])
    for n in range(20):
        wid = f"bench-host-{n % 3}:{1000 + n}:default"
        client.sadd(keys.workers(), wid)
        client.set(
            keys.worker(wid),
            '{"queue":"default","run_at":"2026-01-01T00:00:00Z",'
            '"payload":{"class":"bench.Job","args":[1]}}',
        )
    fill_failures(client, failures)


def login():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "pw")
    browser = Client()
    browser.force_login(user)
    return browser


def pages() -> list[tuple[str, str]]:
    base = "/admin/django_resque/"
    return [
        ("Overview", base + "overview/"),
        ("Queues", base + "queue/"),
        ("Queue default, page 1", base + "queue/detail/?name=default"),
        ("Queue default, page=10**12", base + "queue/detail/?name=default&page=" + "1" + "0" * 12),
        ("Queue default, per_page=10**9", base + "queue/detail/?name=default&per_page=1000000000"),
        ("Workers", base + "worker/"),
        ("Failed jobs, page 1", base + "failedjob/"),
        ("Failed jobs, middle page", base + "failedjob/?page=25000"),
        ("Failed jobs, page=10**12", base + "failedjob/?page=" + "1" + "0" * 12),
        ("Failed jobs, filter queue", base + "failedjob/?queue=q1"),
        ("Failed jobs, filter queue+job", base + "failedjob/?queue=q1&job_name=J2"),
        (
            "Failed jobs, filter queue+job, page 2000",
            base + "failedjob/?queue=q1&job_name=J2&page=2000",
        ),
        ("Delayed jobs", base + "delayedjob/"),
        ("Schedules", base + "schedule/"),
        ("Stats", base + "stats/"),
    ]


def report(urls: list[tuple[str, str]], browser) -> None:
    print("| Page | median ms | max ms |")
    print("|---|---:|---:|")
    for name, url in urls:
        assert browser.get(url).status_code == 200, url  # warm-up; also checks it renders
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = browser.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
        print(f"| {name} | {statistics.median(times):.0f} | {max(times):.0f} |", flush=True)


if __name__ == "__main__":
    main()
