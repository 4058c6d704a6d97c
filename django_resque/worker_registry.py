"""Re-export of `django_resque.monitoring.workers` at its documented path."""

from django_resque.monitoring.workers import *  # noqa: F403
