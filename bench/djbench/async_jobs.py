"""The I/O workload's job as an `async def` (dres-io-async16): the same wait with asyncio streams.

Imported by djbench/jobs.py inside try/except, so a @job that refuses coroutine functions only
drops this job.
"""

from iojobs.wait import async_wait_body
from peerjobs.common import QUEUE

from django_resque import job
from django_resque.storage.connection import get_redis


@job(name="bench.io_wait_async", queue=QUEUE)
async def io_wait_async(i: int) -> None:
    await async_wait_body(i, get_redis())
