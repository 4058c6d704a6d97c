"""The one event loop on which a pool's `async def` jobs run side by side (`--threads N`).

jobs/perform.py runs a coroutine job through asgiref's async_to_sync, Django's own bridge. Called
in a thread that asgiref knows as belonging to an event loop (as it knows a sync_to_async
thread), async_to_sync schedules the coroutine on that loop and keeps the calling thread for
what the job hands to `sync_to_async` (thread-sensitive, as ORM calls are). So each job thread
of a ThreadPool is introduced to this loop: up to N coroutine jobs run at once on one loop, and
their database calls still run in their own job thread, on its own connections, which the pool
closes after the job. Without such a loop (a worker without --threads), async_to_sync runs each
coroutine job on a loop of its own.
"""

from __future__ import annotations

import asyncio
import os
import threading

from asgiref.sync import SyncToAsync


class EventLoopThread:
    """An event loop running forever in a daemon thread of this process."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="django-resque-event-loop", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def adopt_in_this_thread(self) -> None:
        """Make async_to_sync in the calling thread run coroutines on this loop."""
        SyncToAsync.threadlocal.main_event_loop = self.loop
        SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
