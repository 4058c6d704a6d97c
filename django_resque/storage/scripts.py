"""The Lua scripts in lua/, run with EVALSHA and loaded on the first NOSCRIPT."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

import redis
from redis.exceptions import NoScriptError

from django_resque.storage import channel

_INCLUDE = b"--#include "


@cache
def _script(name: str) -> tuple[bytes, str]:
    source = _with_includes(_read(name))
    return source, hashlib.sha1(source).hexdigest()


def _read(name: str) -> bytes:
    return (resources.files("django_resque.storage") / "lua" / f"{name}.lua").read_bytes()


def _with_includes(source: bytes, seen: set[str] | None = None) -> bytes:
    """Replace each `--#include <name>` line with lua/<name>.lua, so scripts share helpers.

    Helpers may include helpers; each is expanded once, where it is first included.
    """
    seen = set() if seen is None else seen
    lines = []
    for line in source.split(b"\n"):
        if not line.startswith(_INCLUDE):
            lines.append(line)
            continue
        name = line[len(_INCLUDE) :].strip().decode()
        if name not in seen:
            seen.add(name)
            lines.append(_with_includes(_read(name), seen))
    return b"\n".join(lines)


def run(name: str, keys: list[str], args: list[Any], client: redis.Redis | None = None) -> Any:
    """Run lua/<name>.lua with the given keys and arguments; one round trip when loaded.

    Without a `client`, the call goes the short way over get_redis()'s connections (channel.py).
    """
    source, sha = _script(name)
    try:
        return _evalsha(client, sha, keys, args)
    except NoScriptError:
        return _load_and_run(client, source, sha, keys, args)


def _load_and_run(
    client: redis.Redis | None, source: bytes, sha: str, keys: list[str], args: list[Any]
) -> Any:
    """After NOSCRIPT (an empty or flushed script cache, a new primary): SCRIPT LOAD, then
    EVALSHA, in one write on one connection, so the script is loaded on the node that runs it.

    Loading over another pooled connection could reach another server: after a failover, a
    pooled connection may still be open to the old primary, which accepts SCRIPT LOAD.
    """
    loaded, result = channel.call_many(
        [("SCRIPT", "LOAD", source), _command(sha, keys, args)], client
    )
    for reply in (loaded, result):
        if isinstance(reply, Exception):
            raise reply
    return result


def _evalsha(client: redis.Redis | None, sha: str, keys: list[str], args: list[Any]) -> Any:
    return channel.call(*_command(sha, keys, args), client=client)


def _command(sha: str, keys: list[str], args: list[Any]) -> tuple[Any, ...]:
    return ("EVALSHA", sha, len(keys), *keys, *args)


def run_after_blpop(
    wait_keys: list[str],
    timeout: float,
    name: str,
    keys: list[str],
    args: list[Any],
    client: redis.Redis | None = None,
) -> Any:
    """Block in BLPOP on `wait_keys`, then run lua/<name>.lua: one write, one round trip.

    Redis reads nothing more from a blocked client, so the script runs the moment BLPOP returns
    (a token came, or `timeout` passed) and both replies arrive together; the script's is
    returned. If the script cache was empty (NOSCRIPT: it did nothing), it is loaded and run again.
    """
    source, sha = _script(name)
    commands = [("BLPOP", *wait_keys, timeout), _command(sha, keys, args)]
    waited, result = channel.call_many(commands, client)
    if isinstance(result, NoScriptError):
        return _load_and_run(client, source, sha, keys, args)
    for reply in (waited, result):
        if isinstance(reply, Exception):
            raise reply
    return result


def run_many(
    name: str,
    calls: list[tuple[list[str], list[Any]]],
    client: redis.Redis | None = None,
    *,
    then: tuple[Any, ...] | None = None,
) -> list[Any]:
    """Run lua/<name>.lua once per (keys, args) in one pipelined round trip, in order.

    Returns each call's reply, or the exception Redis answered it with (the others still ran).
    Calls that met NOSCRIPT (the script cache was empty) did nothing, so they alone are sent
    again after loading the script; no call ever runs twice. `then`: one more command sent
    after the calls in the same write (and again after a retry), its reply last in the list.
    """
    source, sha = _script(name)
    results = _pipelined(client, sha, calls, then)
    after = results.pop() if then is not None else None
    missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
    if missing:
        retried = _pipelined(client, sha, [calls[i] for i in missing], then, load=source)
        after = retried.pop() if then is not None else None
        for i, result in zip(missing, retried, strict=True):
            results[i] = result
    return results if then is None else [*results, after]


def run_then(name: str, keys: list[str], args: list[Any], then: tuple[Any, ...]) -> tuple[Any, Any]:
    """Run lua/<name>.lua, then `then` in the same write; both replies (an error is raised)."""
    result, after = run_many(name, [(keys, args)], then=then)
    for reply in (result, after):
        if isinstance(reply, Exception):
            raise reply
    return result, after


def _pipelined(
    client: redis.Redis | None,
    sha: str,
    calls: list[tuple[list[str], list[Any]]],
    then: tuple[Any, ...] | None = None,
    *,
    load: bytes | None = None,
) -> list[Any]:
    """Send the calls (and `then`) in one write; with `load`, a SCRIPT LOAD of it first, on the
    same connection (as _load_and_run), whose reply is checked and left out."""
    commands = [_command(sha, keys, args) for keys, args in calls]
    first = [("SCRIPT", "LOAD", load)] if load is not None else []
    replies = channel.call_many([*first, *commands, *([then] if then is not None else [])], client)
    if load is not None:
        loaded = replies.pop(0)
        if isinstance(loaded, Exception):
            raise loaded
    return replies


def source(name: str) -> bytes:
    """Return the text of lua/<name>.lua, its includes expanded (to SCRIPT LOAD it ahead)."""
    return _script(name)[0]
