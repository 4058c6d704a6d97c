"""Re-export of `django_resque.tasks_backend.backend` at its documented path."""

from django_resque.tasks_backend.backend import *  # noqa: F403
