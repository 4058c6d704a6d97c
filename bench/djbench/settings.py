"""Settings for the benchmark's django_resque workers; Redis comes from BENCH_REDIS_URL."""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = ["django_resque", "djbench"]
DATABASES: dict[str, dict[str, str]] = {}
RESQUE = {
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6390/0"),
    "QUEUES": ["bench"],
    "DEFAULT_QUEUE": "bench",
    # dres-fork-1p-atpickup sets BENCH_FORK_AHEAD=0 to measure forking at pickup time
    "FORK_AHEAD": os.environ.get("BENCH_FORK_AHEAD", "1") == "1",
    # BENCH_HUGE_PAGES=0 bench/run ... measures fork mode with the heap left in small pages
    "FORK_HUGE_PAGES": os.environ.get("BENCH_HUGE_PAGES", "1") == "1",
    # BENCH_METRICS=0 turns the per-job metrics off (bench/metrics_overhead.py compares both)
    "METRICS": os.environ.get("BENCH_METRICS", "1") == "1",
}
