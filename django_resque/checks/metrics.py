"""System checks for the metrics settings, django_resque.E080-E089 and W080-W089."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning, register

from django_resque.conf import get_config

MIN_TOKEN_LENGTH = 16  # shorter bearer tokens are within reach of guessing
_MAKE_ONE = "Generate one: python -c 'import secrets; print(secrets.token_urlsafe())'"


@register()
def check_metrics(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report METRICS and METRICS_TOKEN values the workers and the endpoint cannot use."""
    config = get_config()
    messages: list[CheckMessage] = []
    if not isinstance(config["METRICS"], bool):
        messages.append(
            Error(
                f"RESQUE['METRICS'] is {config['METRICS']!r}; it must be True or False.",
                hint="True records per-job metrics in the workers' script calls; False nothing.",
                id="django_resque.E080",
            )
        )
    return messages + _check_token(config["METRICS_TOKEN"])


def _check_token(token: Any) -> list[CheckMessage]:
    if token is None:
        return []
    if not isinstance(token, str) or not token or token != token.strip() or " " in token:
        return [
            Error(
                "RESQUE['METRICS_TOKEN'] must be None or a non-empty string without spaces, "
                "which a scraper sends as 'Authorization: Bearer <token>'.",
                hint=_MAKE_ONE,
                id="django_resque.E081",
            )
        ]
    if len(token) < MIN_TOKEN_LENGTH:
        return [
            Warning(
                f"RESQUE['METRICS_TOKEN'] is shorter than {MIN_TOKEN_LENGTH} characters, "
                "so it could be guessed.",
                hint=_MAKE_ONE,
                id="django_resque.W082",
            )
        ]
    return []
