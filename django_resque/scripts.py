"""The Lua scripts in lua/, run with EVALSHA and loaded on the first NOSCRIPT."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

import redis
from redis.exceptions import NoScriptError

from django_resque.connection import get_redis


@cache
def _script(name: str) -> tuple[bytes, str]:
    source = (resources.files("django_resque") / "lua" / f"{name}.lua").read_bytes()
    return source, hashlib.sha1(source).hexdigest()


def run(name: str, keys: list[str], args: list[Any], client: redis.Redis | None = None) -> Any:
    """Run lua/<name>.lua with the given keys and arguments; one round trip when loaded."""
    client = client or get_redis()
    source, sha = _script(name)
    try:
        return client.evalsha(sha, len(keys), *keys, *args)
    except NoScriptError:
        client.script_load(source)
        return client.evalsha(sha, len(keys), *keys, *args)


def source(name: str) -> bytes:
    """Return the text of lua/<name>.lua (for EVAL inside a MULTI, where EVALSHA cannot load)."""
    return _script(name)[0]
