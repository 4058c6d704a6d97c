"""Re-export of `django_resque.queues.delayed` at its documented path."""

from django_resque.queues.delayed import *  # noqa: F403
