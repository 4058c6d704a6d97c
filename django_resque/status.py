"""Re-export of `django_resque.results.status` at its documented path."""

from django_resque.results.status import *  # noqa: F403
