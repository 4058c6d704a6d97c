"""Limits that keep long-lived workers healthy: recycling after jobs or memory, child memory."""

from __future__ import annotations

import logging
import os
import random
import resource
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Recycling:
    """When a worker should exit cleanly so a fresh process replaces it.

    `max_jobs` is randomised between N and 2N, so workers started together do not all recycle
    at the same moment; `max_memory` is the resident set size in MB, checked after each job.
    """

    def __init__(self, max_jobs: int | None = None, max_memory: int | None = None) -> None:
        self.max_jobs = max_jobs
        self.limit = None if max_jobs is None else random.randint(max_jobs, 2 * max_jobs)
        self.max_memory = max_memory
        self.done = 0

    def fresh(self) -> Recycling:
        """The same limits for a new process (a new random job limit, nothing done yet)."""
        return Recycling(self.max_jobs, self.max_memory)

    def job_done(self) -> None:
        self.done += 1

    def due(self, rss: Callable[[], float | None] = lambda: rss_mb()) -> bool:
        """True once the job limit is reached, or `rss()` (this process's, by default) is over."""
        if self.limit is not None and self.done >= self.limit:
            logger.info("event=recycle reason=max-jobs jobs=%s", self.done)
            return True
        if self.max_memory is not None and self.done:
            resident = rss()
            if resident is not None and resident > self.max_memory:
                logger.info("event=recycle reason=max-memory rss_mb=%.0f", resident)
                return True
        return False


def rss_mb() -> float:
    """Return this process's resident set size now, in MB (Linux /proc; else the peak)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def limit_child_memory(megabytes: int | None) -> None:
    """Cap the child's address space, so a runaway job gets MemoryError, not the OOM killer."""
    if megabytes is not None:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
