"""Resque's counters: processed (failures included, as Ruby counts) and failed; and retried.

`stat:retried` is django_resque's own: one per automatic retry scheduled (docs/failures.md).
"""

from __future__ import annotations

from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys


def get(name: str, worker_id: str | None = None) -> int:
    """Return `stat:<name>` (globally, or for one worker)."""
    value = get_redis().get(get_keys().stat(name, worker_id))
    return int(value or 0)


def totals() -> dict[str, int]:
    """Return the global processed, failed and retried counters."""
    return {"processed": get("processed"), "failed": get("failed"), "retried": get("retried")}
