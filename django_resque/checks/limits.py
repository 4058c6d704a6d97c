"""System checks of the registered jobs' limits: E012 and W012.

@job refuses a malformed limit at import; these find the limits that parse but can never work
as written: a key function that cannot take the job's arguments (every .delay() would raise),
and a unique lock that expires before the job's time limit ends (a copy may start beside it).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning, register

from django_resque.conf import get_config
from django_resque.jobs.registry import registered_jobs
from django_resque.limits.spec import named_signature

_KEY_OPTIONS = ("unique_key", "concurrency_key", "rate_limit_key")


@register()
def check_limit_keys(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Report key functions that cannot be called with the arguments their job takes."""
    errors: list[CheckMessage] = []
    for name, definition in sorted(registered_jobs().items()):
        for option in _KEY_OPTIONS:
            function = getattr(definition, option, None)
            if function is not None and not _takes_arguments_of(function, definition.func):
                errors.append(
                    Error(
                        f"@job({option}=...) on {name} cannot be called with the job's "
                        f"arguments {_signature(definition.func)}, so every .delay() raises.",
                        hint="Give the key function the job's parameters, or end its "
                        "parameter list with **kwargs (lambda account_id, **kw: account_id).",
                        id="django_resque.E012",
                    )
                )
    return errors


@register()
def check_unique_lock_lifetimes(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn when an until_executed lock can expire while its job may still be running."""
    default = get_config()["JOB_TIMEOUT"]
    warnings: list[CheckMessage] = []
    for name, definition in sorted(registered_jobs().items()):
        limits = definition.limits
        timeout = definition.timeout if definition.timeout is not None else default
        if limits is None or limits.unique != "until_executed":
            continue
        if not isinstance(timeout, int | float) or limits.unique_for >= timeout:
            continue
        warnings.append(
            Warning(
                f"{name} is unique until executed for {limits.unique_for:g} s, but may run for "
                f"{timeout:g} s: once the lock expires a copy can be enqueued and run beside it.",
                hint="Set unique_for above the job's timeout.",
                id="django_resque.W012",
            )
        )
    return warnings


def _takes_arguments_of(key: Callable[..., Any], func: Callable[..., Any]) -> bool:
    """True if `key` accepts the arguments of a call of `func` as Limits passes them: every
    parameter by name (limits/spec.named_signature), else the required ones by their kinds."""
    try:
        key_signature, job_signature = inspect.signature(key), inspect.signature(func)
    except (TypeError, ValueError):
        return True  # builtins and C functions: nothing to check
    args: list[None] = []
    kwargs: dict[str, None] = {}
    named = named_signature(func) is not None
    for p in job_signature.parameters.values():
        if p.kind is p.VAR_KEYWORD or (not named and p.default is not p.empty):
            continue
        if named or p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = None
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            args.append(None)
    try:
        key_signature.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _signature(func: Callable[..., Any]) -> str:
    try:
        return str(inspect.signature(func))
    except (TypeError, ValueError):
        return "(...)"
