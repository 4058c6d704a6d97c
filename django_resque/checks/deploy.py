"""System checks of the Django integration settings (E050, E051, W057) and, on request, of the
Redis server (E053, W054-W056).

The Redis checks connect to Redis, so they are registered as deploy checks: `manage.py check`
and the test runner stay fast and work without Redis; `manage.py check --deploy` runs them
(`--deploy --tag django_resque_redis` runs only them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from django_resque.conf import get_config
from django_resque.storage.health import redis_health

REDIS_TAG = "django_resque_redis"
BACKEND_PATH = "django_resque.backends.ResqueBackend"
MIN_REDIS = (6, 2)


@register()
def check_integration_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report bad values of ENQUEUE_ON_COMMIT and INLINE (RESULT_TTL is E030, in settings.py)."""
    config = get_config()
    messages: list[CheckMessage] = []
    for key, check_id in (("ENQUEUE_ON_COMMIT", "E050"), ("INLINE", "E051")):
        if not isinstance(config[key], bool):
            messages.append(
                Error(f"RESQUE[{key!r}] must be True or False.", id=f"django_resque.{check_id}")
            )
    return messages


@register()
def check_task_queues(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn when a ResqueBackend alias allows queues that workers do not listen to by default."""
    listened = set(get_config()["QUEUES"]) if isinstance(get_config()["QUEUES"], list) else set()
    aliases = getattr(settings, "TASKS", None) or {}
    messages: list[CheckMessage] = []
    for alias, params in aliases.items() if isinstance(aliases, dict) else []:
        if not isinstance(params, dict) or params.get("BACKEND") != BACKEND_PATH:
            continue
        missing = sorted(set(params.get("QUEUES", ["default"])) - listened)
        if missing:
            messages.append(
                Warning(
                    f"TASKS[{alias!r}] allows the queues {missing}, which RESQUE['QUEUES'] "
                    "does not list, so `manage.py resque_work` without --queues ignores them.",
                    hint="Add them to RESQUE['QUEUES'], or start workers with --queues.",
                    id="django_resque.W057",
                )
            )
    return messages


@register(REDIS_TAG, deploy=True)
def check_redis_server(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report a Redis that is unreachable, too old, evicts keys, or does not persist writes."""
    health = redis_health()
    if not health.reachable:
        return [
            Error(
                f"Redis is not reachable: {health.error}",
                hint="Check RESQUE['REDIS_URL'] (or CONNECTION, or SENTINELS) and that the "
                "server is running.",
                id="django_resque.E053",
            )
        ]
    messages: list[CheckMessage] = []
    if health.version < MIN_REDIS:
        messages.append(
            Warning(
                f"Redis {'.'.join(map(str, health.version))} is older than 6.2.",
                hint="Upgrade to Redis 6.2 or newer (the Lua scripts and LPOP with a count "
                "need it).",
                id="django_resque.W054",
            )
        )
    if health.maxmemory_policy != "noeviction":
        messages.append(
            Warning(
                f"Redis maxmemory-policy is {health.maxmemory_policy!r}: when memory runs out, "
                "Redis deletes keys, and queued jobs go with them.",
                hint="Set maxmemory-policy noeviction, so a full Redis refuses new jobs "
                "(EnqueueError) instead of dropping queued ones.",
                id="django_resque.W055",
            )
        )
    if not health.aof_enabled:
        messages.append(
            Warning(
                "Redis has no append-only file: a restart loses every job enqueued since the "
                "last snapshot.",
                hint="Set appendonly yes (appendfsync everysec, or always to lose nothing).",
                id="django_resque.W056",
            )
        )
    return messages
