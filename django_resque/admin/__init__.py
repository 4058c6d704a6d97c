"""resque-web as Django admin pages: one table-less model and ModelAdmin per page."""

from __future__ import annotations

from django.contrib import admin

from django_resque import models
from django_resque.admin.delayed import DelayedJobAdmin
from django_resque.admin.failed import FailedJobAdmin
from django_resque.admin.groups import JobGroupAdmin
from django_resque.admin.limits import LimitAdmin
from django_resque.admin.metrics import MetricsAdmin
from django_resque.admin.overview import OverviewAdmin
from django_resque.admin.queues import QueueAdmin
from django_resque.admin.schedules import ScheduleAdmin
from django_resque.admin.stats import StatsAdmin
from django_resque.admin.workers import WorkerAdmin

admin.site.register(models.Overview, OverviewAdmin)
admin.site.register(models.Queue, QueueAdmin)
admin.site.register(models.Worker, WorkerAdmin)
admin.site.register(models.FailedJob, FailedJobAdmin)
admin.site.register(models.DelayedJob, DelayedJobAdmin)
admin.site.register(models.JobGroup, JobGroupAdmin)
admin.site.register(models.Schedule, ScheduleAdmin)
admin.site.register(models.Stats, StatsAdmin)
admin.site.register(models.Limit, LimitAdmin)
admin.site.register(models.Metrics, MetricsAdmin)
