"""What the admin's Stats page shows: the Redis server and the keys under our namespace.

Every read is bounded: INFO is one call, and the key listing SCANs at most a fixed number of
batches, so the page costs the same with a million failures as with none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

INFO_FIELDS = {
    "Server": ("redis_version", "redis_mode", "os", "uptime_in_seconds", "tcp_port"),
    "Memory": (
        "used_memory_human",
        "used_memory_peak_human",
        "maxmemory_human",
        "maxmemory_policy",
    ),
    "Clients": ("connected_clients", "blocked_clients"),
    "Persistence": (
        "rdb_changes_since_last_save",
        "rdb_last_bgsave_status",
        "aof_enabled",
        "aof_last_write_status",
        "loading",
    ),
}
CONFIG_FIELDS = ("save", "appendonly", "appendfsync", "dir")
VALUE_BYTES = 200  # a string key's value is shown up to this many bytes on the key list
_SIZE_COMMANDS = {
    "string": "STRLEN",
    "list": "LLEN",
    "set": "SCARD",
    "zset": "ZCARD",
    "hash": "HLEN",
    "stream": "XLEN",
}


@dataclass(frozen=True, slots=True)
class KeyInfo:
    name: str
    type: str
    size: int  # items, or bytes for a string
    value: str | None = None  # a string's value, cut at VALUE_BYTES; None for other types


def server_info() -> dict[str, dict[str, Any]]:
    """Return chosen INFO fields by section, plus the persistence settings CONFIG allows."""
    client = get_redis()
    info = client.info()
    result = {
        section: {name: info[name] for name in names if name in info}
        for section, names in INFO_FIELDS.items()
    }
    result["Persistence settings"] = _config(client)
    return result


def _config(client: redis.Redis) -> dict[str, Any]:
    try:
        return {name: client.config_get(name).get(name, "") for name in CONFIG_FIELDS}
    except redis.ResponseError:  # CONFIG is often disabled on managed Redis
        return {}


def namespace_keys(limit: int = 500, batches: int = 50) -> tuple[list[KeyInfo], bool]:
    """Return up to `limit` of our keys with type and size, and whether that is all of them."""
    client = get_redis()
    pattern = get_keys().everything()
    names: list[str] = []
    cursor, done = 0, False
    for _ in range(batches):
        cursor, found = client.scan(cursor, match=pattern, count=1000)
        names.extend(n.decode() if isinstance(n, bytes) else n for n in found)
        if cursor == 0:
            done = True
            break
        if len(names) >= limit:
            break
    names = sorted(set(names))
    complete = done and len(names) <= limit
    return _describe(client, names[:limit]), complete


def _describe(client: redis.Redis, names: list[str]) -> list[KeyInfo]:
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.type(name)
        types = [t.decode() if isinstance(t, bytes) else t for t in pipe.execute()]
        for name, kind in zip(names, types, strict=True):
            pipe.execute_command(_SIZE_COMMANDS.get(kind, "EXISTS"), name)
            if kind == "string":
                pipe.getrange(name, 0, VALUE_BYTES - 1)
        replies = iter(pipe.execute())
    infos = []
    for name, kind in zip(names, types, strict=True):
        size = int(next(replies))
        value = cut(next(replies), size) if kind == "string" else None
        infos.append(KeyInfo(name, kind, size, value))
    return infos


def cut(value: bytes, size: int) -> str:
    """Return the first bytes of a value as text, saying how long the whole value is if cut."""
    text = value.decode("utf-8", "replace")
    return text if len(value) >= size else f"{text}… ({size} bytes)"
