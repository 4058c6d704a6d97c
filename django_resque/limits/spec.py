"""A job's limits: @job's unique, concurrency and rate_limit options, checked at decoration.

A `Limits` turns one call into the `limits` field of its payload (an extra field after `class`
and `args`, which Ruby, PHP and Node ignore):

    {"lock":  {"key": k, "until": "executing" | "executed", "ttl": seconds},
     "slots": [{"key": k, "max": n}],
     "rate":  {"key": k, "max": n, "per": seconds}}

The scripts decide with that field alone (storage/lua/_limits.lua), so a worker needs no job
definition to honour a payload's limits. A key `k` is the job's name, then `/` and a key of
the call: the caller's key function's value, or for a unique job without one a digest of its
JSON arguments. A `while_executing` job holds a one-slot limit of its own (`k` under `while/`).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django_resque.exceptions import InvalidJob
from django_resque.storage.keys import get_keys

UNIQUE_MODES = ("until_executing", "until_executed", "while_executing")
DEFAULT_UNIQUE_FOR = 3600  # seconds a unique lock lasts at most, unless unique_for says
OPTIONS = frozenset(
    {
        "unique",
        "unique_for",
        "unique_key",
        "concurrency",
        "concurrency_key",
        "rate_limit",
        "rate_limit_key",
    }
)
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"\A\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*\Z")

KeyFunction = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `max` starts in any window of `per` seconds."""

    max: int
    per: int

    @classmethod
    def parse(cls, name: str, text: object) -> Rate:
        """Read "100/m" (or "N/s", "N/h", "N/d", "N/5m"); raise InvalidJob saying what to write."""
        match = _RATE.match(text) if isinstance(text, str) else None
        if match is None or int(match[1]) < 1 or match[2] == "0":
            raise InvalidJob(
                f"@job(rate_limit={text!r}) on {name}: write the most starts per period as "
                '"N/s", "N/m", "N/h" or "N/d" with N ≥ 1, such as rate_limit="100/m" '
                '(or "10/5m" for 10 per five minutes).'
            )
        return cls(int(match[1]), int(match[2] or 1) * _PERIODS[match[3]])


@dataclass(frozen=True, slots=True)
class UniqueLock:
    """The lock an enqueue takes with its push: `key` set to `job_id` for `ttl_ms`, if free."""

    key: str
    ttl_ms: int
    job_id: str

    def script_args(self) -> list[Any]:
        return [self.key, self.ttl_ms, self.job_id]


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The limits of one @job, validated; `field()` gives a call's payload field."""

    name: str
    unique: str | None = None
    unique_for: float = DEFAULT_UNIQUE_FOR
    unique_key: KeyFunction | None = None
    concurrency: int | None = None
    concurrency_key: KeyFunction | None = None
    rate: Rate | None = None
    rate_key: KeyFunction | None = None
    # The job function's signature when its arguments can be passed to key functions by name.
    signature: inspect.Signature | None = None

    @classmethod
    def from_options(
        cls, name: str, options: Mapping[str, Any], func: Callable[..., Any] | None = None
    ) -> Limits | None:
        """The limits @job's options ask for (None without any); InvalidJob for a bad one.

        `func`, the job's function: key functions get its arguments by name when it has no
        positional-only or *args parameters (named_signature).
        """
        given = {k: v for k, v in options.items() if v is not None}
        if not given:
            return None
        unique, unique_for = given.get("unique"), given.get("unique_for", DEFAULT_UNIQUE_FOR)
        if unique is not None and unique not in UNIQUE_MODES:
            raise InvalidJob(
                f"@job(unique={unique!r}) on {name}: use one of "
                f"{', '.join(repr(m) for m in UNIQUE_MODES)}."
            )
        if (
            isinstance(unique_for, bool)
            or not isinstance(unique_for, int | float)
            or not 0 < unique_for < float("inf")
        ):
            raise InvalidJob(
                f"@job(unique_for={unique_for!r}) on {name}: give the most seconds a unique lock "
                "may be held, a positive number such as unique_for=3600."
            )
        concurrency = given.get("concurrency")
        if concurrency is not None and (
            isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1
        ):
            raise InvalidJob(
                f"@job(concurrency={concurrency!r}) on {name}: give the most jobs that may run "
                "at once, a whole number ≥ 1, such as concurrency=3."
            )
        rate = None if "rate_limit" not in given else Rate.parse(name, given["rate_limit"])
        _needs(name, given, "unique_key", "unique", unique)
        _needs(name, given, "unique_for", "unique", unique)
        _needs(name, given, "concurrency_key", "concurrency", concurrency)
        _needs(name, given, "rate_limit_key", "rate_limit", rate)
        return cls(
            name=name,
            unique=unique,
            unique_for=float(unique_for),
            unique_key=_key_function(name, "unique_key", given.get("unique_key")),
            concurrency=concurrency,
            concurrency_key=_key_function(name, "concurrency_key", given.get("concurrency_key")),
            rate=rate,
            rate_key=_key_function(name, "rate_limit_key", given.get("rate_limit_key")),
            signature=None if func is None else named_signature(func),
        )

    def field(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], json_args: Any
    ) -> dict[str, Any]:
        """The payload's `limits` field for one call (`json_args`: its arguments as JSON)."""
        out: dict[str, Any] = {}
        slots = []
        if self.unique is not None:
            k = self._key(self.unique_key, args, kwargs, json_args)
            if self.unique == "while_executing":
                slots.append({"key": f"while/{k}", "max": 1})
            else:
                until = self.unique.removeprefix("until_")
                out["lock"] = {"key": k, "until": until, "ttl": self.unique_for}
        if self.concurrency is not None:
            k = self._key(self.concurrency_key, args, kwargs, None)
            slots.append({"key": k, "max": self.concurrency})
        if slots:
            out["slots"] = slots
        if self.rate is not None:
            k = self._key(self.rate_key, args, kwargs, None)
            out["rate"] = {"key": k, "max": self.rate.max, "per": self.rate.per}
        return out

    def _key(
        self,
        function: KeyFunction | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        json_args: Any,
    ) -> str:
        """`name`, or `name/<key>`: the key function's value, else the arguments' digest."""
        if function is not None:
            named = self._by_name(args, kwargs)
            value = function(*args, **kwargs) if named is None else function(**named)
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise InvalidJob(
                    f"The limit key function of {self.name} returned {value!r}; it must return "
                    "a string or an int (the same for calls that share the limit)."
                )
            return f"{self.name}/{value}"
        if json_args is None:
            return self.name
        text = json.dumps(json_args, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return f"{self.name}/{hashlib.sha1(text.encode()).hexdigest()}"

    def _by_name(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        """The call's arguments by the job's parameter names, defaults applied; None when the
        job's parameters cannot all be named or the call does not fit them (the key function
        then gets the arguments as given)."""
        if self.signature is None:
            return None
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError:
            return None
        bound.apply_defaults()
        named: dict[str, Any] = {}
        for param, value in bound.arguments.items():
            if self.signature.parameters[param].kind is inspect.Parameter.VAR_KEYWORD:
                named.update(value)
            else:
                named[param] = value
        return named


def named_signature(func: Callable[..., Any]) -> inspect.Signature | None:
    """The signature of a job function whose arguments can all be passed by name, else None."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    kinds = {p.kind for p in signature.parameters.values()}
    if kinds & {inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.VAR_POSITIONAL}:
        return None
    return signature


def lock_of(extras: Mapping[str, Any], job_id: str, wait: float = 0) -> UniqueLock | None:
    """The unique lock an enqueue of a payload with these extra fields takes (None if it takes
    none), lasting `wait` seconds (a delayed job's) beyond its ttl."""
    field = extras.get("limits")
    lock = field.get("lock") if isinstance(field, dict) else None
    if not lock:
        return None
    ttl_ms = int((max(0.0, wait) + lock["ttl"]) * 1000)
    return UniqueLock(get_keys().limit_lock(lock["key"]), ttl_ms, job_id)


def _needs(name: str, given: Mapping[str, Any], option: str, needed: str, value: object) -> None:
    if option in given and value is None:
        raise InvalidJob(f"@job({option}=...) on {name} needs {needed}=... as well.")


def _key_function(name: str, option: str, value: object) -> KeyFunction | None:
    if value is not None and not callable(value):
        raise InvalidJob(
            f"@job({option}={value!r}) on {name}: pass a function of the job's arguments that "
            f"returns the key, such as {option}=lambda account_id, **kw: account_id."
        )
    return value
