"""Outcome: what performing one payload came to, as plain data a child can send its parent."""

from __future__ import annotations

import json
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

_OUR_PACKAGE = "/django_resque/"


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    result: Any = None
    exception: str = ""
    error: str = ""
    backtrace: list[str] = field(default_factory=list)
    # Which attempt this was, and seconds until the next one (None: no retry)
    attempt: int = 1
    retry_in: float | None = None

    @classmethod
    def success(cls, result: Any) -> Outcome:
        return cls(ok=True, result=result)

    @classmethod
    def failure(
        cls, exc: BaseException, *, attempt: int = 1, retry_in: float | None = None
    ) -> Outcome:
        return cls(
            ok=False,
            exception=exception_name(exc),
            error=str(exc),
            backtrace=backtrace_of(exc),
            attempt=attempt,
            retry_in=retry_in,
        )

    @classmethod
    def dirty_exit(cls, error: str) -> Outcome:
        """The child ended without reporting; Resque calls this a DirtyExit."""
        return cls(ok=False, exception="DirtyExit", error=error)

    def to_json(self) -> str:
        try:
            return json.dumps(asdict(self), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            note = f"return value could not be stored as JSON: {exc}"
            return json.dumps(asdict(Outcome(ok=self.ok, result={"unserializable": note})))

    @classmethod
    def from_json(cls, data: str) -> Outcome:
        return cls(**json.loads(data))


def exception_name(exc: BaseException) -> str:
    """Return the class name Ruby would write: bare for builtins, dotted path otherwise."""
    kind = type(exc)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def backtrace_of(exc: BaseException) -> list[str]:
    """Return frames in Ruby's `path:line:in `name'` form, without django_resque's own frames."""
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and _OUR_PACKAGE in frames[0].filename:
        frames.pop(0)
    return [f"{f.filename}:{f.lineno}:in `{f.name}'" for f in frames]
