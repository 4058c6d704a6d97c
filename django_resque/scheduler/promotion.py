"""Promotion: the scheduler moves due delayed items onto their queues, in bounded atomic batches.

Each batch is one fenced script call (queues/promotion.py); a pass stops after `max_batches`, so
the loop renews its lease between passes.
"""

from __future__ import annotations

import logging

from django_resque.conf import get_config
from django_resque.queues.delayed import ints
from django_resque.queues.promotion import promote
from django_resque.storage.connection import get_redis
from django_resque.storage.keys import get_keys

logger = logging.getLogger(__name__)


def promote_due(now: int, *, lease: str, max_batches: int = 1000) -> int:
    """Promote items due at or before `now`, a batch per script; return how many moved."""
    client, keys = get_redis(), get_keys()
    batch = int(get_config()["DELAYED_BATCH_SIZE"])
    moved = 0
    for _ in range(max_batches):
        due = client.zrangebyscore(keys.delayed_schedule(), "-inf", now, start=0, num=1)
        if not due:
            break
        ts = ints(due)[0]
        raws: list[bytes] = list(client.lrange(keys.delayed(ts), 0, batch - 1))  # type: ignore[arg-type]
        count = promote(ts, raws, lease=lease)
        moved += count
        logger.info("event=promoted timestamp=%s count=%s", ts, count)
    return moved
