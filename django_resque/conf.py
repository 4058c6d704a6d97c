"""The RESQUE settings dict, merged over defaults and read lazily."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS: dict[str, Any] = {
    # Where Redis is: a URL, or CONNECTION naming a django-redis CACHES alias to share its pool.
    "REDIS_URL": "redis://localhost:6379/0",
    "CONNECTION": None,
    # Redis behind Sentinel (docs/scale-out.md): the sentinels as (host, port) pairs and the
    # name of the primary they monitor; REDIS_URL then only gives the data nodes' db and
    # credentials (its host is not used). SENTINEL_USERNAME/PASSWORD log in to the sentinels.
    "SENTINELS": [],
    "SENTINEL_MASTER": None,
    "SENTINEL_USERNAME": None,
    "SENTINEL_PASSWORD": None,
    # Redis Cluster (docs/scale-out.md): REDIS_URL names any node, and every key of the
    # namespace carries the hash tag {NAMESPACE}, so the namespace lives in one slot.
    "CLUSTER": False,
    # Prefix of every key, without the colon; "resque" is what Ruby, PHP and Node use.
    "NAMESPACE": "resque",
    # Queues a worker listens to when neither --queues nor QUEUE is given, in priority order.
    "QUEUES": ["default"],
    # Queue of a @job that names none.
    "DEFAULT_QUEUE": "default",
    # Seconds before a Redis connect or reply is given up (so enqueue never hangs).
    "SOCKET_TIMEOUT": 5.0,
    "SOCKET_CONNECT_TIMEOUT": 5.0,
    # Seconds an idle worker waits for a wake-up before polling the queues again.
    "POLL_INTERVAL": 1.0,
    # Perform each job in a forked child (Resque's model); False performs in the worker.
    "FORK_PER_JOB": True,
    # Fork each job's child while the previous job runs, so an idle worker keeps one child
    # waiting for its next job (so no job waits for a fork); False forks at pickup time,
    # which saves that waiting child's memory and the parent's copy-on-write copies.
    "FORK_AHEAD": True,
    # Before its first fork, back the worker's heap with huge pages (Linux 6.1+, MADV_COLLAPSE)
    # so each fork copies, and each child's exit frees, fewer page-table entries; False leaves
    # the heap as Python allocated it. See huge_pages.py.
    "FORK_HUGE_PAGES": True,
    # Replicas that must acknowledge each enqueue (Redis WAIT) before .delay() returns, and
    # the milliseconds to wait for them; fewer in time raise EnqueueError. 0: no wait.
    "ENQUEUE_REPLICAS": 0,
    "ENQUEUE_REPLICAS_TIMEOUT": 1000,
    # Seconds an explicit job id given with .using(job_id=...) is remembered, so a retried
    # enqueue with that id stores nothing twice.
    "JOB_ID_TTL": 24 * 60 * 60,
    # Largest payload accepted at enqueue, in bytes.
    "MAX_PAYLOAD_BYTES": 1024 * 1024,
    # --- workers ---
    # Seconds between a worker's heartbeats in workers:heartbeat (written by the worker parent,
    # also while a child runs); also how often some worker looks for dead workers to recover.
    "HEARTBEAT_INTERVAL": 5.0,
    # Seconds without a heartbeat (by Redis TIME) after which a worker is dead and its in-flight
    # job is put back on its queue. Interval + timeout stays well under a minute by default.
    "HEARTBEAT_TIMEOUT": 30.0,
    # Times one payload may be recovered from dead workers before it is failed as a poison pill.
    "MAX_RECOVERIES": 3,
    # Default seconds a job may run before the worker kills its child (None: no limit);
    # @job(timeout=...) overrides it per job.
    "JOB_TIMEOUT": None,
    # Seconds a finished job's status and result stay readable (0 keeps none).
    "RESULT_TTL": 24 * 60 * 60,
    # Seconds a finished group's keys are kept (groups/): its status, counts and member sets.
    "GROUP_TTL": 7 * 24 * 60 * 60,
    # Permission a staff user needs to poll views.job_status for any job without a signed token
    # (the admin's view permission on Resque by default); None: any active staff user.
    "STATUS_VIEW_PERMISSION": "django_resque.view_overview",
    # Failure records each server-side batch of retry_all/remove_all/sweeps handles.
    "FAILURE_BATCH_SIZE": 200,
    # --- Django integration ---
    # Inside transaction.atomic(), send .delay() when the transaction commits (dropped on
    # rollback); False sends at once. Per call: job.using(on_commit=False).
    "ENQUEUE_ON_COMMIT": True,
    # Perform jobs synchronously inside .delay() instead of queueing them (tests, like
    # Resque.inline); exceptions from the job propagate to the caller.
    "INLINE": False,
    # --- scheduler ---
    # Recurring jobs: name -> {"cron" or "every", "job", "args", "kwargs", "queue", "timezone",
    # "description", "enabled", "catchup" ("skip" | "once" | "all"), "max_catchup",
    # "misfire_grace"}. See docs/scheduler.md.
    "SCHEDULE": {},
    # Seconds between two passes of the scheduler loop (promote due delayed jobs, fire schedules).
    "SCHEDULER_INTERVAL": 1.0,
    # Seconds a scheduler's leadership lasts unless renewed; a dead leader is replaced after it,
    # so it bounds how long schedules wait after a leader is killed (the leader renews it on
    # every pass; one that stops cleanly hands it over at once).
    "SCHEDULER_LEASE": 10.0,
    # Delayed items promoted per Lua script call (each call is atomic and short).
    "DELAYED_BATCH_SIZE": 100,
    # --- metrics (docs/observability.md) ---
    # Workers record each job's duration, outcome and queue wait under <ns>:dj:metrics: (in
    # the script calls they already make); False records nothing.
    "METRICS": True,
    # A token a scraper sends as `Authorization: Bearer <token>` to read the Prometheus
    # endpoint (urls.py `metrics/`) without a staff session; None: staff sessions only.
    "METRICS_TOKEN": None,
}


def get_config() -> dict[str, Any]:
    """Return RESQUE merged over DEFAULTS; cached until the setting changes."""
    return _config()


@cache
def _config() -> dict[str, Any]:
    user = getattr(settings, "RESQUE", None) or {}
    if not isinstance(user, dict):
        user = {}  # reported by check E001; fall back to defaults so the process still starts
    return {**DEFAULTS, **user}


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting == "RESQUE":
        _config.cache_clear()
