"""Queues: Resque's named lists, priorities within a queue, the delayed set and its promotion.

`django_resque.queues` is the documented queue API (names, size, peek, pause, resume, ...).
"""

from django_resque.queues.lists import *  # noqa: F403
