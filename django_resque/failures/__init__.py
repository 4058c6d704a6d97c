"""Failures: the failed list and its registry API, the records in Ruby's format, and retries.

`django_resque.failures` is the documented registry API (count, page, retry, remove, ...).
"""

from django_resque.failures.registry import *  # noqa: F403
from django_resque.failures.registry import __all__  # noqa: F401
