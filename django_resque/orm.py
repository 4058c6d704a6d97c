"""Re-export of `django_resque.jobs.model_methods` at its documented path."""

from django_resque.jobs.model_methods import *  # noqa: F403
