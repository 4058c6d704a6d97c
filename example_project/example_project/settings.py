"""Settings of the example project; REDIS_URL and the database path come from the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EXAMPLE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-project-not-secret")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_resque",
    "demo",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "example_project.urls"
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
WSGI_APPLICATION = "example_project.wsgi.application"
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"},
}
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# demo.jobs.export_csv has a worker of its own (scripts/run_example.py: --queues exports), so
# the warning that no default worker serves its queue does not apply here.
SILENCED_SYSTEM_CHECKS = ["django_resque.W011"]

RESQUE = {
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    "QUEUES": ["critical", "default", "low"],
    # Recurring jobs, fired by `manage.py resque_scheduler` (see docs/scheduler.md).
    "SCHEDULE": {
        "nightly-report": {
            "cron": "0 3 * * *",
            "timezone": "Europe/Berlin",
            "job": "demo.jobs.nightly_report",
            "description": "Summarise the blog each night at 03:00 Berlin time.",
        },
        "minutely-report": {
            "every": 60,
            "job": "demo.jobs.nightly_report",
            "args": ["minutely"],
            "catchup": "skip",
            "description": "The same report each minute, so the demo shows schedules firing.",
        },
    },
}

# Django's Tasks framework (django.tasks; the django-tasks backport on Django 5.2) on
# the same Resque workers: demo/tasks.py's @task functions run under `manage.py resque_work`.
TASKS = {
    "default": {
        "BACKEND": "django_resque.backends.ResqueBackend",
        "QUEUES": ["critical", "default", "low"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_resque": {"handlers": ["console"], "level": "INFO"}},
}
