"""Paused workers and paused queues: a burst worker leaves what is paused where it is."""

from tests import jobs


def test_pause_all_workers_leaves_every_queue_alone(redis, ledger, work_here):
    jobs.record.delay(ledger, "a")
    redis.set("resque:pause-all-workers", " TRUE ")
    work_here("default", fork=False)
    assert redis.llen("resque:queue:default") == 1
    redis.delete("resque:pause-all-workers")
    work_here("default", fork=False)
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["a"]


def test_a_paused_queue_is_skipped_while_the_others_are_worked(redis, ledger, work_here):
    jobs.record_high.delay(ledger, "h")
    jobs.record.delay(ledger, "d")
    redis.sadd("resque:dj:paused", "high")
    work_here("high", "default", fork=False)
    assert jobs.read_ledger(ledger) == [["d", jobs.read_ledger(ledger)[0][1]]]
    assert redis.llen("resque:queue:high") == 1
