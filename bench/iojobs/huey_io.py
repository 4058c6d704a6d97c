"""Huey's I/O job (bare Huey, as the harness's Huey peer): huey_consumer iojobs.huey_io.huey."""

from huey import RedisHuey
from peerjobs.common import REDIS_URL

from iojobs.wait import wait_body

huey = RedisHuey("bench-io", url=REDIS_URL)


@huey.task()
def io_wait(i):
    return wait_body(i)
