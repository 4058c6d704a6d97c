"""Queues: Resque's named lists, priorities within a queue, and the delayed set.

`django_resque.queues` is the documented queue API (names, size, peek, pause, resume, ...).
"""

from django_resque.queues.lists import *  # noqa: F403
