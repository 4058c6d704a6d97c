"""The connection a forking worker opens once and hands to each child it forks."""

from tests import jobs


def test_forked_children_reuse_one_connection_the_worker_opened(redis, work_here):
    for _ in range(4):
        jobs.note_client.delay("ids")
    work_here("default")
    ids = redis.lrange("ids", 0, -1)
    assert len(ids) == 4 and len(set(ids)) == 1
    assert redis.get("resque:stat:processed") == b"4"


def test_a_child_that_leaves_a_reply_unread_does_not_hand_it_to_the_next(redis, work_here):
    jobs.leave_reply_unread.delay("ids")
    jobs.note_client.delay("ids")
    jobs.note_client.delay("ids")
    work_here("default")
    first, second, third = redis.lrange("ids", 0, -1)
    assert second != first  # the dirty connection was dropped, not passed on
    assert third == second  # and the fresh one is shared again
    assert redis.llen("resque:failed") == 0


def test_a_child_killed_mid_job_gets_a_fresh_connection_for_the_next(redis, work_here):
    jobs.note_client.delay("ids")
    jobs.exit_hard.delay(3)
    jobs.note_client.delay("ids")
    work_here("default")
    first, second = redis.lrange("ids", 0, -1)
    assert first != second
    assert redis.llen("resque:failed") == 1
