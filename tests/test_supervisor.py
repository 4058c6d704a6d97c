"""--count: one supervisor keeps N workers alive and passes the operator's signals on."""

import signal

import psutil
import pytest

from tests import jobs
from tests.helpers import process_title, wait_until

# Supervised worker processes and their signals: processes are the subject, not Django.
pytestmark = pytest.mark.one_leg(leg=1)


def test_a_supervised_worker_that_dies_is_restarted_and_term_stops_them_all(
    redis, ledger, start_worker
):
    supervisor = start_worker("--count", "2")
    sup = psutil.Process(supervisor.pid)
    wait_until(lambda: redis.scard("resque:workers") == 2)
    assert process_title(supervisor.pid).endswith(": Supervising 2 workers for default")
    first, second = sup.children()
    first.kill()
    wait_until(
        lambda: len(sup.children()) == 2 and first.pid not in {p.pid for p in sup.children()}
    )
    wait_until(lambda: redis.scard("resque:workers") >= 2)
    for i in range(6):
        jobs.record.delay(ledger, str(i))
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 6)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 0
    wait_until(lambda: not second.is_running() or second.status() == psutil.STATUS_ZOMBIE)
    # the killed worker is pruned later (its heartbeat goes stale); the others left cleanly
    assert {m.decode().split(":")[1] for m in redis.smembers("resque:workers")} <= {str(first.pid)}


def test_a_recycled_supervised_worker_is_replaced_and_nothing_is_lost(redis, ledger, start_worker):
    for i in range(20):
        jobs.record.delay(ledger, str(i))
    supervisor = start_worker("--count", "2", "--max-jobs", "2")
    wait_until(lambda: len(jobs.read_ledger(ledger)) == 20, timeout=60)
    assert psutil.Process(supervisor.pid).children()  # replacements are running
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 0
    assert sorted(int(r[0]) for r in jobs.read_ledger(ledger)) == list(range(20))
