"""The project's Celery app, as Celery's "First steps with Django" sets it up.

`celery -A djpeers worker` imports this module; Celery's Django fix-up then calls django.setup()
in the worker, and autodiscover_tasks() imports djpeers/tasks.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djpeers.settings_celery")

app = Celery("djpeers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
