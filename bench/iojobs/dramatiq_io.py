"""Dramatiq's I/O job (bare Dramatiq, as the harness's peer): dramatiq iojobs.dramatiq_io."""

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from peerjobs.common import QUEUE, REDIS_URL

from iojobs.wait import wait_body

broker = RedisBroker(url=REDIS_URL)
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name=QUEUE)
def io_wait(i):
    return wait_body(i)
