"""Validation of @job's retry, result and hook options, at decoration time, with sentences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django_resque.exceptions import InvalidJob

HOOKS = (
    "before_enqueue",
    "after_enqueue",
    "before_perform",
    "after_perform",
    "around_perform",
    "on_failure",
)

Hook = Callable[..., Any]


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
