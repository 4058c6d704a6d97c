"""Validation of @job's options, with sentences: at decoration, and of calls that pass options."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from django_resque.exceptions import InvalidJob
from django_resque.limits.spec import OPTIONS as LIMIT_OPTIONS

HOOKS = (
    "before_enqueue",
    "after_enqueue",
    "before_perform",
    "after_perform",
    "around_perform",
    "on_failure",
)

Hook = Callable[..., Any]

# The options @job takes besides name and queue.
OPTIONS = frozenset(
    {
        "timeout",
        "at_most_once",
        "retries",
        "retry_on",
        "give_up_on",
        "backoff",
        "store_result",
        *HOOKS,
        *LIMIT_OPTIONS,
    }
)


def check_retries(name: str, retries: object) -> int:
    """Return the retry count, or raise InvalidJob saying what to pass."""
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise InvalidJob(
            f"@job(retries={retries!r}) on {name}: pass a whole number of retries, 0 or more "
            "(retries=5 runs the job up to 6 times)."
        )
    return retries


def exception_classes(name: str, option: str, value: object) -> tuple[type[BaseException], ...]:
    """Accept one exception class or a sequence of them; raise InvalidJob otherwise."""
    items = (value,) if isinstance(value, type) else value
    if not isinstance(items, Sequence) or isinstance(items, str):
        items = (items,)
    for item in items:
        if not (isinstance(item, type) and issubclass(item, BaseException)):
            raise InvalidJob(
                f"@job({option}=...) on {name} holds {item!r}; pass exception classes, "
                f"such as {option}=(ConnectionError, TimeoutError)."
            )
    return tuple(items)


def check_backoff(name: str, backoff: object) -> Callable[[int], float] | None:
    """Return the backoff callable (attempt -> seconds), or raise InvalidJob."""
    if backoff is not None and not callable(backoff):
        raise InvalidJob(
            f"@job(backoff={backoff!r}) on {name}: pass a function of the attempt number that "
            "returns seconds to wait, such as backoff=lambda attempt: 10 * attempt."
        )
    return backoff


def hooks(name: str, option: str, value: object) -> tuple[Hook, ...]:
    """Accept a callable or a sequence of callables for a hook option; raise InvalidJob."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        if not callable(item):
            raise InvalidJob(
                f"@job({option}=...) on {name} holds {item!r}; pass a function, or a list of "
                "functions run in order."
            )
    return tuple(items)


def check_store_result(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidJob(f"@job(store_result={value!r}) on {name}: pass True or False.")
    return value


def check_timeout(value: object) -> float | None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf
    ):
        raise InvalidJob(
            f"@job(timeout={value!r}) is not valid: give a positive number of seconds, "
            "or None for RESQUE['JOB_TIMEOUT']."
        )
    return value


def check_at_most_once(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidJob(f"@job(at_most_once={value!r}) must be True or False.")
    return value


# Keyword arguments that read as job options (of .using() and @job); refused at enqueue unless
# the function itself takes them.
_SHADOWABLE = frozenset({"name", "queue", "on_commit", "database", *OPTIONS})


def refuse_as_arguments(name: str, func: Callable[..., Any], kwargs: Mapping[str, Any]) -> None:
    """Refuse `.delay(x, queue="critical")` for a function that takes no `queue` argument.

    Such a keyword would reach the function in the worker and fail there; the caller meant the
    job option, which `.using(...)` (queue, on_commit, database) or `@job(...)` sets.
    """
    shadowing = sorted(_SHADOWABLE.intersection(kwargs) - _keywords_taken(func))
    if shadowing:
        given = ", ".join(f"{option}=..." for option in shadowing)
        raise InvalidJob(
            f"{name}.delay() got {given}, which {func.__qualname__} does not take: job options "
            f"are not call arguments. Use {name.rpartition('.')[2]}.using({given}).delay(...) "
            "for queue, on_commit and database, and @job(...) for the others."
        )


@cache
def _keywords_taken(func: Callable[..., Any]) -> frozenset[str]:
    """Return the keyword names `func` accepts; every option name if it takes **kwargs."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return _SHADOWABLE
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return _SHADOWABLE
    return frozenset(p.name for p in parameters if p.kind is not inspect.Parameter.POSITIONAL_ONLY)
