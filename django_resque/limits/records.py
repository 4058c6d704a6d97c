"""The limits' state in Redis: the settings the limit scripts take, the tick, releases.

Every script that includes storage/lua/_limits.lua takes the five values of `script_args()`.
The tick (`maintain()`, run by workers beside the retry promotion) starts the jobs that wait
on a rate window whose oldest start has left it, and frees slots handed to a released job that
no worker took. `release()` is the operator's: it frees a lock or a slot known to be stale.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django_resque.queues.lists import WAKE_TOKEN_CAP
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

TICK_EVERY = 0.5  # seconds between one process's looks at due limits
TICK_BATCH = 100  # limits looked at per tick call

_last_tick = 0.0


def script_args() -> list[Any]:
    """The limit settings every script including _limits.lua takes, in its order."""
    keys = get_keys()
    return [
        keys.limit_prefix(),
        keys.queues(),
        keys.queue_prefix(),
        keys.wake_prefix(),
        WAKE_TOKEN_CAP,
    ]


def field_json(extras: dict[str, Any]) -> str:
    """A payload's `limits` field as the scripts take it: JSON, or '' when it has none."""
    field = extras.get("limits")
    if not isinstance(field, dict) or not field:
        return ""
    return json.dumps(field, separators=(",", ":"), ensure_ascii=False)


def maintain() -> None:
    """Look at limits whose time has come, at most every TICK_EVERY seconds per process."""
    global _last_tick
    now = time.monotonic()
    if now - _last_tick < TICK_EVERY:
        return
    _last_tick = now
    tick()


def tick() -> int:
    """Hand freed rate windows and unclaimed slots to the jobs waiting on them (limit_tick.lua)."""
    keys = get_keys()
    return int(
        scripts.run(
            "limit_tick",
            [keys.limit_due(), keys.limit_max(), keys.incarnations()],
            [*script_args(), TICK_BATCH],
        )
    )


def release(kind: str, k: str, holder: str) -> bool:
    """Free a lock (`kind` "lock": `holder` is the job id it names) or a slot (`kind` "slot":
    `holder` is the worker id, or `~<job id>` for a handed-out slot) of limit `k`, and hand a
    freed slot to the next waiting job. False if it was no longer held by `holder`."""
    if kind not in {"lock", "slot"}:
        raise ValueError(f"release() frees a 'lock' or a 'slot', not {kind!r}")
    keys = get_keys()
    return bool(scripts.run("limit_release", [keys.limit_max()], [*script_args(), kind, k, holder]))
