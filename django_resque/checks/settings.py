"""System checks for the RESQUE settings, numbered django_resque.E001 and up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from django_resque.conf import DEFAULTS, get_config
from django_resque.exceptions import InvalidJob
from django_resque.jobs.registry import name_collisions, validate_queue_name

_NUMBERS = ("SOCKET_TIMEOUT", "SOCKET_CONNECT_TIMEOUT", "POLL_INTERVAL", "MAX_PAYLOAD_BYTES")


@register()
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report RESQUE settings that would make enqueue or workers misbehave."""
    user = getattr(settings, "RESQUE", {})
    if not isinstance(user, dict):
        return [
            Error(
                "RESQUE must be a dict.",
                hint="RESQUE = {'REDIS_URL': ...}",
                id="django_resque.E001",
            )
        ]
    messages: list[CheckMessage] = [
        Error(
            f"RESQUE has an unknown key {key!r}.",
            hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.",
            id="django_resque.E002",
        )
        for key in user
        if key not in DEFAULTS
    ]
    config = get_config()
    messages += _check_connection(config)
    messages += _check_names(config)
    messages += _check_numbers(config)
    messages += _check_workers(config)
    return messages


def _check_connection(config: dict[str, Any]) -> list[CheckMessage]:
    alias = config["CONNECTION"]
    if alias is not None:
        if alias not in getattr(settings, "CACHES", {}):
            return [
                Error(
                    f"RESQUE['CONNECTION'] names the cache {alias!r}, "
                    "which CACHES does not define.",
                    hint="Name a django-redis alias from CACHES, or use REDIS_URL.",
                    id="django_resque.E004",
                )
            ]
        return []
    url = config["REDIS_URL"]
    if not isinstance(url, str) or urlparse(url).scheme not in {
        "redis",
        "rediss",
        "unix",
        "redis+sentinel",
    }:
        return [
            Error(
                f"RESQUE['REDIS_URL'] is {url!r}, not a Redis URL.",
                hint="Use redis://host:port/db, rediss:// for TLS, or unix:///path/to/socket.",
                id="django_resque.E003",
            )
        ]
    return []


def _check_names(config: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    namespace = config["NAMESPACE"]
    if not isinstance(namespace, str) or not namespace or any(c in namespace for c in " :*"):
        messages.append(
            Error(
                f"RESQUE['NAMESPACE'] is {namespace!r}.",
                hint="Use a non-empty prefix without spaces, ':' or '*'; Resque's is 'resque'.",
                id="django_resque.E005",
            )
        )
    queue_lists = {"QUEUES": config["QUEUES"], "DEFAULT_QUEUE": [config["DEFAULT_QUEUE"]]}
    for key, names in queue_lists.items():
        try:
            if isinstance(names, str):
                raise InvalidJob(
                    f"RESQUE[{key!r}] is the string {names!r}; it must be a list of queue names, "
                    f"such as [{names!r}]."
                )
            if not isinstance(names, list | tuple) or not names:
                raise InvalidJob(f"RESQUE[{key!r}] must be a list naming at least one queue.")
            for name in names:
                validate_queue_name(name)
        except InvalidJob as exc:
            messages.append(Error(str(exc), id="django_resque.E006"))
    return messages


def _check_numbers(config: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = [
        Error(
            f"RESQUE[{key!r}] is {config[key]!r}; it must be a positive number.",
            id="django_resque.E007",
        )
        for key in _NUMBERS
        if isinstance(config[key], bool)
        or not isinstance(config[key], int | float)
        or config[key] <= 0
    ]
    if not messages and config["POLL_INTERVAL"] >= config["SOCKET_TIMEOUT"]:
        messages.append(
            Error(
                "RESQUE['POLL_INTERVAL'] must be less than RESQUE['SOCKET_TIMEOUT'].",
                hint="An idle worker blocks for the poll interval; a shorter socket timeout "
                "would cut that wait off as an error.",
                id="django_resque.E008",
            )
        )
    messages += [
        Error(f"RESQUE[{key!r}] must be True or False.", id="django_resque.E009")
        for key in ("FORK_PER_JOB", "FORK_AHEAD", "FORK_HUGE_PAGES")
        if not isinstance(config[key], bool)
    ]
    return messages


# --- workers: E020-E029, W020-W029 ----------------------------------------------------------
def _positive(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value > 0


def _check_workers(config: dict[str, Any]) -> list[CheckMessage]:
    interval, timeout = config["HEARTBEAT_INTERVAL"], config["HEARTBEAT_TIMEOUT"]
    if not (_positive(interval) and _positive(timeout)):
        return [
            Error(
                "RESQUE['HEARTBEAT_INTERVAL'] and RESQUE['HEARTBEAT_TIMEOUT'] must be positive "
                f"numbers of seconds, got {interval!r} and {timeout!r}.",
                id="django_resque.E020",
            )
        ]
    messages: list[CheckMessage] = []
    if timeout < 2 * interval:
        messages.append(
            Error(
                f"RESQUE['HEARTBEAT_TIMEOUT'] ({timeout}) is less than twice "
                f"RESQUE['HEARTBEAT_INTERVAL'] ({interval}).",
                hint="Live workers would be taken for dead between two heartbeats and their jobs "
                "run twice; keep the timeout at least 3 intervals (defaults: 5 and 30).",
                id="django_resque.E021",
            )
        )
    recoveries = config["MAX_RECOVERIES"]
    if isinstance(recoveries, bool) or not isinstance(recoveries, int) or recoveries < 0:
        messages.append(
            Error(
                f"RESQUE['MAX_RECOVERIES'] is {recoveries!r}; it must be an integer >= 0.",
                hint="0 fails every job a dead worker held instead of running it again.",
                id="django_resque.E022",
            )
        )
    if config["JOB_TIMEOUT"] is not None and not _positive(config["JOB_TIMEOUT"]):
        messages.append(
            Error(
                f"RESQUE['JOB_TIMEOUT'] is {config['JOB_TIMEOUT']!r}; it must be None (no limit) "
                "or a positive number of seconds.",
                id="django_resque.E023",
            )
        )
    if interval > 60:
        messages.append(
            Warning(
                f"RESQUE['HEARTBEAT_INTERVAL'] is {interval} s.",
                hint="Ruby resque workers sharing this Redis prune workers whose heartbeat is "
                "older than 300 s by default, and a dead worker's job waits for interval + "
                "timeout; keep the interval at a minute or less.",
                id="django_resque.W020",
            )
        )
    return messages


@register()
def check_job_names(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report job names that two different functions registered."""
    return [
        Error(
            f"Job name {name!r} is registered by both {first} and {second}.",
            hint="Payloads would run whichever registered last; give one of them another name "
            "with @job(name=...).",
            id="django_resque.E010",
        )
        for name, first, second in name_collisions()
    ]


@register()
def check_results_and_failures(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report bad values of RESULT_TTL, GROUP_TTL, STATUS_VIEW_PERMISSION, FAILURE_BATCH_SIZE."""
    config = get_config()
    messages: list[CheckMessage] = []
    ttl = config["RESULT_TTL"]
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        messages.append(
            Error(
                f"RESQUE['RESULT_TTL'] is {ttl!r}; use a whole number of seconds, 0 or more.",
                hint="0 keeps no status after a job finishes; 86400 keeps it a day.",
                id="django_resque.E030",
            )
        )
    group_ttl = config["GROUP_TTL"]
    if isinstance(group_ttl, bool) or not isinstance(group_ttl, int) or group_ttl < 1:
        messages.append(
            Error(
                f"RESQUE['GROUP_TTL'] is {group_ttl!r}; use a whole number of seconds, 1 or more.",
                hint="A finished group's status and counts are kept this long (604800: a week).",
                id="django_resque.E033",
            )
        )
    permission = config["STATUS_VIEW_PERMISSION"]
    if permission is not None and (not isinstance(permission, str) or permission.count(".") != 1):
        messages.append(
            Error(
                f"RESQUE['STATUS_VIEW_PERMISSION'] is {permission!r}.",
                hint="Use None (any staff user) or a permission 'app_label.codename'.",
                id="django_resque.E031",
            )
        )
    batch = config["FAILURE_BATCH_SIZE"]
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 10_000:
        messages.append(
            Error(
                f"RESQUE['FAILURE_BATCH_SIZE'] is {batch!r}; use a whole number from 1 to 10000.",
                hint="Each batch runs in one Lua call; larger batches block Redis longer.",
                id="django_resque.E032",
            )
        )
    return messages
