"""Settings for the test suite; the Redis URL comes from the private server conftest starts."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_resque",
    "tests",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("RESQUE_TEST_DB", str(BASE_DIR / "test-db.sqlite3")),
        "TEST": {"NAME": os.environ.get("RESQUE_TEST_DB") or None},
    },
    # A second alias, so enqueue-on-commit is tested per database.
    "other": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}
# A worker test of W025 points the default database at a private PostgreSQL it started.
if os.environ.get("RESQUE_TEST_PG_PORT"):
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": os.environ["RESQUE_TEST_PG_PORT"],
    }
STATIC_URL = "/static/"
# Every admin test creates a user: a deliberately slow hash would dominate its setup. The
# browser tests still log in through the form.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

RESQUE = {
    # Port 1 is never a Redis: a process that did not get a test server fails fast, loudly.
    "REDIS_URL": os.environ.get("RESQUE_TEST_REDIS_URL", "redis://127.0.0.1:1/0"),
    "QUEUES": ["default"],
    "POLL_INTERVAL": 0.2,
    "SOCKET_TIMEOUT": 5.0,
    # Scheduler tests: a short lease so a follower takes over quickly after a kill.
    "SCHEDULER_INTERVAL": 0.2,
    "SCHEDULER_LEASE": float(os.environ.get("RESQUE_TEST_SCHEDULER_LEASE", "2")),
    "DELAYED_BATCH_SIZE": int(os.environ.get("RESQUE_TEST_DELAYED_BATCH", "100")),
}
# Worker fault tests shorten heartbeats and timeouts for the worker processes they start.
for _key in ("HEARTBEAT_INTERVAL", "HEARTBEAT_TIMEOUT", "JOB_TIMEOUT", "SOCKET_TIMEOUT"):
    if os.environ.get(f"RESQUE_TEST_{_key}"):
        RESQUE[_key] = float(os.environ[f"RESQUE_TEST_{_key}"])
# Redis Cluster tests (tests/test_cluster.py) start workers on a cluster node's URL.
if os.environ.get("RESQUE_TEST_CLUSTER"):
    RESQUE["CLUSTER"] = os.environ["RESQUE_TEST_CLUSTER"] == "1"
if os.environ.get("RESQUE_TEST_MAX_RECOVERIES"):
    RESQUE["MAX_RECOVERIES"] = int(os.environ["RESQUE_TEST_MAX_RECOVERIES"])

# django.tasks on Resque workers (tests/tasks.py); "dummy" is Django's own, to compare.
TASKS = {
    "default": {
        "BACKEND": "django_resque.backends.ResqueBackend",
        "QUEUES": ["default", "high", "tasks"],
    },
    "any-queue": {"BACKEND": "django_resque.backends.ResqueBackend", "QUEUES": []},
}
# Test workers are always started with --queues; W011 and W057 are tested on their own.
SILENCED_SYSTEM_CHECKS = ["django_resque.W011", "django_resque.W057"]
# Tests of the fork-at-pickup path start workers with RESQUE_TEST_FORK_AHEAD=0.
if os.environ.get("RESQUE_TEST_FORK_AHEAD"):
    RESQUE["FORK_AHEAD"] = os.environ["RESQUE_TEST_FORK_AHEAD"] == "1"
# A test of the worker without huge pages starts it with RESQUE_TEST_HUGE_PAGES=0.
if os.environ.get("RESQUE_TEST_HUGE_PAGES"):
    RESQUE["FORK_HUGE_PAGES"] = os.environ["RESQUE_TEST_HUGE_PAGES"] == "1"
# Tracing tests start workers with RESQUE_TEST_OTEL_FILE: spans go to that file (tests/otel.py).
if os.environ.get("RESQUE_TEST_OTEL_FILE"):
    from tests.otel import export_to_file

    export_to_file(os.environ["RESQUE_TEST_OTEL_FILE"])

# Tests of many worker hosts give each worker process a hostname of its own, as a machine has.
if os.environ.get("RESQUE_TEST_HOSTNAME"):
    import socket

    _hostname = os.environ["RESQUE_TEST_HOSTNAME"]
    socket.gethostname = lambda: _hostname
