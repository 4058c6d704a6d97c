"""Re-export of `django_resque.scheduler.schedules` at its documented path."""

from django_resque.scheduler.schedules import *  # noqa: F403
