"""System checks for the RESQUE settings, numbered django_resque.E001 and up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from django_resque.conf import DEFAULTS, get_config
from django_resque.exceptions import InvalidJob
from django_resque.jobs import name_collisions, validate_queue_name

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
    if not isinstance(url, str) or urlparse(url).scheme not in {"redis", "rediss", "unix"}:
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
            if not isinstance(names, list | tuple) or not names:
                raise InvalidJob(f"RESQUE[{key!r}] must name at least one queue.")
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
    if not isinstance(config["FORK_PER_JOB"], bool):
        messages.append(
            Error("RESQUE['FORK_PER_JOB'] must be True or False.", id="django_resque.E009")
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
    """Report issue 5's settings (RESULT_TTL, STATUS_VIEW_PERMISSION, FAILURE_BATCH_SIZE)."""
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
