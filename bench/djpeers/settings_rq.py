"""Settings for `manage.py rqworker` (django-rq); Redis comes from BENCH_REDIS_URL."""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = ["django_rq", "djpeers"]
DATABASES: dict[str, dict[str, str]] = {}
RQ_QUEUES = {"bench": {"URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6390/0")}}
