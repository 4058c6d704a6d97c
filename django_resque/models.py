"""Table-less models: one per admin page, so the admin index lists them and permissions exist.

None of these has a table (`managed = False`); the migration only gives Django content types
and the `view_*` (to look) and `change_*` (to act) permissions. The data lives in Redis and the
admin pages read it through the domain modules.
"""

from __future__ import annotations

from django.db import models


class _Page(models.Model):
    class Meta:
        abstract = True
        managed = False
        default_permissions = ("view", "change")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Overview(_Page):
    class Meta(_Page.Meta):
        verbose_name = verbose_name_plural = "overview"


class Queue(_Page):
    class Meta(_Page.Meta):
        verbose_name = "queue"


class Worker(_Page):
    class Meta(_Page.Meta):
        verbose_name = "worker"


class FailedJob(_Page):
    class Meta(_Page.Meta):
        verbose_name = "failed job"


class DelayedJob(_Page):
    class Meta(_Page.Meta):
        verbose_name = "delayed job"


class Schedule(_Page):
    class Meta(_Page.Meta):
        verbose_name = "schedule"


class Stats(_Page):
    class Meta(_Page.Meta):
        verbose_name = verbose_name_plural = "stats"


class JobGroup(_Page):
    class Meta(_Page.Meta):
        verbose_name = "group"


class Limit(_Page):
    class Meta(_Page.Meta):
        verbose_name = "limit"


class Metrics(_Page):
    class Meta(_Page.Meta):
        verbose_name = verbose_name_plural = "metrics"
