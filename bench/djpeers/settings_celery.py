"""Settings for `celery -A djpeers worker` (Celery's Django integration, CELERY_ namespace)."""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = ["djpeers"]
DATABASES: dict[str, dict[str, str]] = {}
# the harness's Celery peer (peerjobs/celery_app.py) configured the same way, from settings
CELERY_BROKER_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6390/0")
CELERY_TASK_DEFAULT_QUEUE = "bench"
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
