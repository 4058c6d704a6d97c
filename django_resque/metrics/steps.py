"""One step's hash (a job's or a queue's minute or hour) read as numbers, whatever it holds.

The fields are those `Keys.metrics_job` and `Keys.metrics_wait` describe. A field that is
missing, not an integer or negative reads as zero, so hostile or damaged data never raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django_resque.metrics import buckets
from django_resque.storage.connection import get_redis

PIPELINE_CHUNK = 2000  # commands per pipelined round trip when a window holds many keys
_BUCKET_FIELDS = [str(i).encode() for i in range(buckets.COUNT)]


@dataclass(frozen=True, slots=True)
class Step:
    """The counts one step's hash holds."""

    n: int = 0
    failed: int = 0
    retried: int = 0
    sum_us: int = 0
    counts: tuple[int, ...] = (0,) * buckets.COUNT

    @classmethod
    def of(cls, fields: Mapping[bytes, Any] | Any) -> Step:
        """Read a hash (HGETALL's reply); anything else reads as an empty step."""
        if not isinstance(fields, Mapping) or not fields:
            return cls()
        return cls(
            count(fields.get(b"n")),
            count(fields.get(b"f")),
            count(fields.get(b"r")),
            count(fields.get(b"us")),
            tuple(count(fields.get(f)) for f in _BUCKET_FIELDS),
        )


def count(value: object) -> int:
    """A counter's value: a non-negative integer, or 0 for anything else."""
    if not isinstance(value, bytes | str | int) or isinstance(value, bool):
        return 0
    try:
        number = int(value)
    except ValueError:
        return 0
    return number if number > 0 else 0


def add(counts: Iterable[Sequence[int]]) -> list[int]:
    """Add histograms bucket by bucket."""
    total = [0] * buckets.COUNT
    for one in counts:
        for index, value in enumerate(one):
            total[index] += value
    return total


def read_hashes(keys: Sequence[str]) -> list[Step]:
    """HGETALL each key, pipelined in chunks; a key of another type reads as an empty step."""
    steps: list[Step] = []
    for chunk in _chunks(keys, PIPELINE_CHUNK):
        with get_redis().pipeline(transaction=False) as pipe:
            for key in chunk:
                pipe.hgetall(key)
            replies = pipe.execute(raise_on_error=False)
        steps += [Step.of(reply) for reply in replies]
    return steps


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
