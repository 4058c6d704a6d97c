"""A producer thread for the failover tests: it enqueues without pause while Redis fails over."""

from __future__ import annotations

import threading
import time

from tests import jobs


class Producer(threading.Thread):
    """Enqueue record jobs one after another; keep the tokens Redis acknowledged, and errors."""

    def __init__(self, ledger: str, prefix: str = "p") -> None:
        super().__init__(daemon=True)
        self.ledger, self.prefix, self.stop = ledger, prefix, threading.Event()
        self.acknowledged: list[tuple[float, str]] = []
        self.errors: list[Exception] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            token = f"{self.prefix}{n}"
            try:
                jobs.record.delay(self.ledger, token)
                self.acknowledged.append((time.monotonic(), token))
            except Exception as exc:  # every kind is kept: the test asserts they are EnqueueErrors
                self.errors.append(exc)
                time.sleep(0.02)
            # About 20 jobs a second each: forking workers under coverage keep up, so a job
            # acknowledged after the failover is not stuck behind a backlog of earlier ones.
            time.sleep(0.05)
