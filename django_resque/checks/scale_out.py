"""System checks for Redis behind Sentinel or Cluster and acknowledged enqueues, E090-E099."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, register
from redis.connection import parse_url

from django_resque.conf import get_config
from django_resque.storage import cluster, sentinel


@register()
def check_scale_out(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report Sentinel, Cluster, ENQUEUE_REPLICAS and JOB_ID_TTL settings that cannot work."""
    config = get_config()
    return (
        _check_sentinel(config)
        + _check_cluster(config)
        + _check_replicas(config)
        + _check_job_ids(config)
    )


def _check_sentinel(config: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = [
        Error(
            f"RESQUE[{key!r}] must be a string or None, not {config[key]!r}.",
            id="django_resque.E092",
        )
        for key in ("SENTINEL_USERNAME", "SENTINEL_PASSWORD")
        if config[key] is not None and not isinstance(config[key], str)
    ]
    if not sentinel.configured(config):
        if config["SENTINEL_MASTER"] is not None:
            messages.append(
                Error(
                    "RESQUE['SENTINEL_MASTER'] is set but RESQUE['SENTINELS'] lists no sentinel.",
                    hint="List the sentinels as [('host', 26379), ...], or remove SENTINEL_MASTER.",
                    id="django_resque.E090",
                )
            )
        return messages
    if config["CONNECTION"]:
        messages.append(
            Error(
                "RESQUE['CONNECTION'] and Sentinel (RESQUE['SENTINELS'] or a redis+sentinel:// "
                "REDIS_URL) are both set.",
                hint="Use one: django_resque builds its own Sentinel client, so drop CONNECTION.",
                id="django_resque.E091",
            )
        )
    try:
        sentinel.read(config)
    except ValueError as exc:
        messages.append(Error(str(exc), id="django_resque.E090"))
    return messages


def _check_cluster(config: dict[str, Any]) -> list[CheckMessage]:
    if not isinstance(config["CLUSTER"], bool):
        return [
            Error(
                f"RESQUE['CLUSTER'] is {config['CLUSTER']!r}; give True (REDIS_URL names a "
                "node of a Redis Cluster) or False (the default).",
                id="django_resque.E097",
            )
        ]
    if not cluster.configured(config):
        return []
    for other, why in (
        ("SENTINELS", "a Redis Cluster fails over by itself, without sentinels"),
        ("CONNECTION", "django_resque builds its own client on the node that owns its slot"),
    ):
        if config[other] or (other == "SENTINELS" and sentinel.configured(config)):
            return [
                Error(
                    f"RESQUE['CLUSTER'] and RESQUE[{other!r}] are both set.",
                    hint=f"Use one: {why}.",
                    id="django_resque.E098",
                )
            ]
    url = config["REDIS_URL"]
    try:
        db = int(parse_url(url).get("db", 0)) if isinstance(url, str) else 0
    except ValueError:
        return []  # E003 says what is wrong with the URL
    if db != 0:
        return [
            Error(
                f"RESQUE['REDIS_URL'] names database {db}, but a Redis Cluster has only "
                "database 0.",
                hint="Drop the /db part of the URL; give each application its own "
                "RESQUE['NAMESPACE'] instead.",
                id="django_resque.E099",
            )
        ]
    return []


def _check_replicas(config: dict[str, Any]) -> list[CheckMessage]:
    replicas, timeout_ms = config["ENQUEUE_REPLICAS"], config["ENQUEUE_REPLICAS_TIMEOUT"]
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        return [
            Error(
                f"RESQUE['ENQUEUE_REPLICAS'] is {replicas!r}; give how many replicas must "
                "acknowledge each enqueue, 0 (the default: none) or more.",
                id="django_resque.E093",
            )
        ]
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms <= 0:
        return [
            Error(
                f"RESQUE['ENQUEUE_REPLICAS_TIMEOUT'] is {timeout_ms!r}; give the milliseconds "
                "an enqueue waits for replicas, a positive whole number such as 1000.",
                hint="Redis WAIT with 0 would wait for ever.",
                id="django_resque.E094",
            )
        ]
    socket_timeout = config["SOCKET_TIMEOUT"]
    if replicas and isinstance(socket_timeout, int | float) and timeout_ms >= socket_timeout * 1000:
        return [
            Error(
                f"RESQUE['ENQUEUE_REPLICAS_TIMEOUT'] ({timeout_ms} ms) is not less than "
                f"RESQUE['SOCKET_TIMEOUT'] ({socket_timeout} s).",
                hint="The socket would time out while Redis still waits for replicas, and "
                "every slow acknowledgement would read as a lost reply.",
                id="django_resque.E095",
            )
        ]
    return []


def _check_job_ids(config: dict[str, Any]) -> list[CheckMessage]:
    ttl = config["JOB_ID_TTL"]
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl < float("inf"):
        return [
            Error(
                f"RESQUE['JOB_ID_TTL'] is {ttl!r}; give the seconds an explicit job id is "
                "remembered, a positive number such as 86400.",
                id="django_resque.E096",
            )
        ]
    return []
