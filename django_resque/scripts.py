"""The Lua scripts in lua/, run with EVALSHA and loaded on the first NOSCRIPT."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

import redis
from redis.exceptions import NoScriptError

from django_resque.connection import get_redis

_INCLUDE = b"--#include "


@cache
def _script(name: str) -> tuple[bytes, str]:
    source = _with_includes(_read(name))
    return source, hashlib.sha1(source).hexdigest()


def _read(name: str) -> bytes:
    return (resources.files("django_resque") / "lua" / f"{name}.lua").read_bytes()


def _with_includes(source: bytes) -> bytes:
    """Replace each `--#include <name>` line with lua/<name>.lua, so scripts share helpers."""
    lines = source.split(b"\n")
    return b"\n".join(
        _read(line[len(_INCLUDE) :].strip().decode()) if line.startswith(_INCLUDE) else line
        for line in lines
    )


def run(name: str, keys: list[str], args: list[Any], client: redis.Redis | None = None) -> Any:
    """Run lua/<name>.lua with the given keys and arguments; one round trip when loaded."""
    client = client or get_redis()
    source, sha = _script(name)
    try:
        return client.evalsha(sha, len(keys), *keys, *args)
    except NoScriptError:
        client.script_load(source)
        return client.evalsha(sha, len(keys), *keys, *args)
