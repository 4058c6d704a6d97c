"""What the admin's Stats page shows: the Redis server, the keys under our namespace, one key.

Every read is bounded: INFO is one call, the key listing SCANs at most a fixed number of
batches, and one key shows its first ITEMS_SHOWN items, so the page costs the same with a
million failures as with none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
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
    names: list[bytes] = []
    cursor, done = 0, False
    for _ in range(batches):
        cursor, found = client.scan(cursor, match=pattern, count=1000)
        names.extend(n if isinstance(n, bytes) else n.encode() for n in found)
        if cursor == 0:
            done = True
            break
        if len(names) >= limit:
            break
    names = sorted(set(names))
    complete = done and len(names) <= limit
    return _describe(client, names[:limit]), complete


def _describe(client: redis.Redis, names: list[bytes]) -> list[KeyInfo]:
    """Type and size each key; a name that is not UTF-8 is shown with its bytes escaped."""
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.type(name)
        types = [_text(t) for t in pipe.execute()]
        for name, kind in zip(names, types, strict=True):
            pipe.execute_command(_SIZE_COMMANDS.get(kind, "EXISTS"), name)
            if kind == "string":
                pipe.getrange(name, 0, VALUE_BYTES - 1)
        replies = iter(pipe.execute())
    infos = []
    for name, kind in zip(names, types, strict=True):
        size = int(next(replies))
        value = cut(next(replies), size) if kind == "string" else None
        infos.append(KeyInfo(name.decode("utf-8", "backslashreplace"), kind, size, value))
    return infos


def cut(value: bytes, size: int) -> str:
    """Return the first bytes of a value as text, saying how long the whole value is if cut."""
    text = value.decode("utf-8", "replace")
    return text if len(value) >= size else f"{text}… ({size} bytes)"


ITEMS_SHOWN = 100  # a key's page lists at most this many of its items
STRING_BYTES = 4000  # ... and shows at most this much of a string, or of one item
_Read = tuple[int, list[tuple[str, str]], str | None]  # total, (label, value) items, string


@dataclass(frozen=True, slots=True)
class KeyDetail:
    name: str
    type: str
    total: int  # items, or bytes for a string
    items: list[tuple[str, str]]  # (index, member, score, field or entry id; value), first ones
    value: str | None  # a string's value, cut at STRING_BYTES; None for other types


def key_detail(name: str, limit: int = ITEMS_SHOWN) -> KeyDetail | None:
    """Return one of our keys' first `limit` items (bounded), or None if it is not ours or gone."""
    if not name.startswith(get_keys().prefix):  # never read another app's keys
        return None
    client = get_redis()
    kind = _text(client.type(name))
    if kind == "none":
        return None
    limit = max(1, min(limit, ITEMS_SHOWN))
    read = _READERS.get(kind)
    total, items, value = read(client, name, limit) if read else (0, [], None)
    return KeyDetail(name, kind, total, items, value)


def _string(client: redis.Redis, name: str, limit: int) -> _Read:
    with client.pipeline(transaction=False) as pipe:
        pipe.strlen(name)
        pipe.getrange(name, 0, STRING_BYTES - 1)
        size, head = pipe.execute()
    return int(size), [], cut(head, int(size))


def _list(client: redis.Redis, name: str, limit: int) -> _Read:
    with client.pipeline(transaction=False) as pipe:
        pipe.llen(name)
        pipe.lrange(name, 0, limit - 1)
        total, values = pipe.execute()
    return int(total), [(str(i), _item(v)) for i, v in enumerate(values)], None


def _set(client: redis.Redis, name: str, limit: int) -> _Read:
    members = sorted(islice(client.sscan_iter(name, count=limit), limit))
    return int(client.scard(name)), [("", _item(m)) for m in members], None


def _zset(client: redis.Redis, name: str, limit: int) -> _Read:
    with client.pipeline(transaction=False) as pipe:
        pipe.zcard(name)
        pipe.zrange(name, 0, limit - 1, withscores=True)
        total, pairs = pipe.execute()
    return int(total), [(_score(score), _item(member)) for member, score in pairs], None


def _hash(client: redis.Redis, name: str, limit: int) -> _Read:
    pairs = sorted(islice(client.hscan_iter(name, count=limit), limit))
    return int(client.hlen(name)), [(_item(f), _item(v)) for f, v in pairs], None


def _stream(client: redis.Redis, name: str, limit: int) -> _Read:
    with client.pipeline(transaction=False) as pipe:
        pipe.xlen(name)
        pipe.xrange(name, count=limit)
        total, entries = pipe.execute()
    shown = [
        (_text(entry_id), " ".join(f"{_item(k)}={_item(v)}" for k, v in fields.items()))
        for entry_id, fields in entries
    ]
    return int(total), shown, None


_READERS: dict[str, Callable[[redis.Redis, str, int], _Read]] = {
    "string": _string,
    "list": _list,
    "set": _set,
    "zset": _zset,
    "hash": _hash,
    "stream": _stream,
}


def _score(score: float) -> str:
    return str(int(score)) if score.is_integer() else repr(score)  # epochs stay whole numbers


def _item(value: bytes | str) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return cut(raw[:STRING_BYTES], len(raw))


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
