"""Groups with real workers and a real Redis: members by id, cascades, nesting, callbacks once."""

import json
import signal
from datetime import timedelta

import pytest

from django_resque import Group, GroupNotFound, InvalidJob, current_group, enqueue
from django_resque.failures import registry as failures
from tests import jobs
from tests.helpers import wait_until

FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "1.5"}


def rows(ledger, kind):
    return [r[1:] for r in jobs.read_ledger(ledger) if r[0] == kind]


def callbacks(ledger):
    return sorted(r[0] for r in rows(ledger, "callback"))


def with_callbacks(ledger, name="g"):
    return Group.create(
        name=name,
        on_success=jobs.group_callback.call(ledger, "on_success"),
        on_complete=jobs.group_callback.call(ledger, "on_complete"),
        on_failure=jobs.group_callback.call(ledger, "on_failure"),
    )


@pytest.mark.parametrize(
    ("mode", "resque"),
    [
        ([], {}),
        ([], {"FORK_AHEAD": False}),
        (["--no-fork"], {}),
        (["--threads", "3"], {}),
    ],
    ids=["fork-ahead", "fork-at-pickup", "no-fork", "threads"],
)
def test_a_group_ends_once_every_member_succeeded_and_its_callbacks_run_once(
    redis, ledger, settings, command_here, mode, resque
):
    settings.RESQUE = {**settings.RESQUE, **resque}
    with with_callbacks(ledger) as group:
        for n in range(5):
            jobs.group_member.delay(ledger, f"m{n}")
    assert not group.status().finished
    command_here("resque_work", "--burst", *mode)  # in the test process; raises if it fails
    state = group.status()
    assert state.finished and (state.total, state.succeeded, state.failed) == (5, 5, 0)
    assert {r[1] for r in rows(ledger, "member")} == {group.id}  # current_group() in members
    assert callbacks(ledger) == ["on_complete", "on_success"]
    assert state.fired == ["on_success", "on_complete"]


def test_a_group_stays_open_while_its_block_runs_even_if_every_member_ran(redis, ledger, work_here):
    with with_callbacks(ledger) as group:
        jobs.group_member.delay(ledger, "early")
        work_here("default")
        assert rows(ledger, "member") and not group.status().finished
        assert current_group() == group
    assert current_group() is None
    work_here("default")  # the callbacks
    assert group.status().finished and callbacks(ledger) == ["on_complete", "on_success"]


def test_an_empty_group_ends_at_once(redis, ledger, work_here):
    with with_callbacks(ledger) as group:
        pass
    assert group.status().finished and group.wait(timeout=1)
    work_here("default")
    assert callbacks(ledger) == ["on_complete", "on_success"]


def test_members_cascade_into_the_group_and_jobs_sent_outside_it_do_not_count(
    redis, ledger, work_here
):
    with with_callbacks(ledger) as group:
        jobs.fan_out.delay(ledger, 4)
    work_here("default")
    state = group.status()
    assert state.finished and (state.total, state.succeeded) == (5, 5)  # fan_out + 4 cascaded
    members = {r[0]: r[1] for r in rows(ledger, "member")}
    assert members["outside"] == "-" and members["cascade0"] == group.id
    assert callbacks(ledger) == ["on_complete", "on_success"]


def test_nested_groups_three_deep_end_from_the_inside_out(redis, ledger, work_here):
    with with_callbacks(ledger, "top") as top:
        jobs.nest.delay(ledger, 3)
    work_here("default")
    state = top.status()
    assert state.finished and state.total == 1 and len(state.children) == 1
    child = Group(state.children[0]).status()
    assert child.finished and child.parent == top.id and len(child.children) == 1
    grandchild = Group(child.children[0]).status()
    assert grandchild.finished and grandchild.children == [] and grandchild.total == 1
    assert [r[0] for r in rows(ledger, "level")] == ["3", "2", "1"]
    assert callbacks(ledger) == ["on_complete", "on_success"]


def test_a_member_failing_for_good_fires_on_failure_and_on_complete(redis, ledger, work_here):
    with with_callbacks(ledger) as group:
        jobs.group_member.delay(ledger, "fine")
        jobs.fail.delay("broken")
    work_here("default")
    state = group.status()
    assert state.finished and (state.succeeded, state.failed) == (1, 1)
    assert callbacks(ledger) == ["on_complete", "on_failure"]


def test_a_member_with_a_retry_pending_keeps_the_group_open(redis, ledger, start_worker):
    with with_callbacks(ledger) as group:
        handle = jobs.flaky.delay(ledger, 3)  # fails twice, retried, then succeeds
    worker = start_worker()
    assert handle.wait(timeout=60).status == "succeeded"
    assert group.wait(timeout=30)
    state = group.status()
    assert (state.total, state.succeeded, state.failed) == (1, 1, 0)
    wait_until(lambda: callbacks(ledger) == ["on_complete", "on_success"])
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)


def test_a_failed_member_retried_from_the_failed_list_reopens_its_count(
    redis, ledger, tmp_path, work_here
):
    flag = str(tmp_path / "fixed")
    with with_callbacks(ledger) as group:
        jobs.fails_until_flag.delay(ledger, flag)
    work_here("default")  # the member fails for good, and the callbacks run
    assert group.status().failed == 1
    assert callbacks(ledger) == ["on_complete", "on_failure"]
    open(flag, "w").close()
    (failure,) = failures.page()
    assert failures.retry(failure.id)
    reopened = group.status()
    assert (reopened.failed, reopened.pending, reopened.finished) == (0, 1, False)
    work_here("default")
    state = group.status()
    assert state.finished and (state.succeeded, state.failed) == (1, 0)
    assert callbacks(ledger) == ["on_complete", "on_failure"]  # callbacks that ran do not rerun


@pytest.mark.one_leg(leg=1)  # kill -9 or Redis outage: one Django leg is enough
def test_kill_9_of_workers_while_a_group_runs_keeps_counts_and_callbacks_exact(
    redis, ledger, start_worker
):
    with with_callbacks(ledger) as group:
        for n in range(6):
            jobs.slow_record.delay(ledger, f"k{n}", 1.0)
    first = start_worker("--threads", "3", env=FAST)
    wait_until(lambda: len([r for r in jobs.read_ledger(ledger) if r[0] == "start"]) >= 3)
    first.kill()  # its three jobs are recovered and run again: still three members
    first.wait(timeout=10)
    second = start_worker("--count", "2", env=FAST)
    assert group.wait(timeout=60)
    state = group.status()
    assert (state.total, state.succeeded, state.failed, state.pending) == (6, 6, 0, 0)
    wait_until(lambda: len(callbacks(ledger)) == 2)
    second.send_signal(signal.SIGQUIT)
    second.wait(timeout=20)
    assert callbacks(ledger) == ["on_complete", "on_success"]


def test_a_delayed_member_is_pending_until_it_has_run(redis, ledger, work_here):
    with Group.create(name="later") as group:
        jobs.group_member.enqueue_in(timedelta(hours=1), ledger, "later")
    state = group.status()
    assert (state.total, state.pending, state.finished) == (1, 1, False)


def test_thousands_of_members_join_with_enqueue_many(redis, ledger):
    with Group.create(name="bulk") as group:
        jobs.group_member.enqueue_many([(ledger, str(n)) for n in range(3000)])
    state = group.status()
    assert (state.total, state.pending) == (3000, 3000)
    assert redis.llen("resque:queue:default") == 3000


def test_inline_mode_counts_members_and_performs_the_callbacks(redis, ledger, settings):
    settings.RESQUE = {**settings.RESQUE, "INLINE": True}
    with with_callbacks(ledger) as group:
        jobs.group_member.delay(ledger, "a")
        jobs.fan_out.delay(ledger, 2)
    state = group.status()
    assert state.finished and (state.total, state.succeeded) == (4, 4)
    assert callbacks(ledger) == ["on_complete", "on_success"]


def test_membership_travels_as_an_extra_payload_field(redis, ledger):
    with Group.create() as group:
        jobs.group_member.delay(ledger, "wire")
    payload = json.loads(redis.lindex("resque:queue:default", 0))
    assert list(payload)[:2] == ["class", "args"] and payload["group"] == group.id


def test_bad_input_is_refused_at_the_call_and_writes_nothing(redis, ledger):
    with pytest.raises(InvalidJob, match="takes a string"):
        Group.create(name=5)
    with pytest.raises(InvalidJob, match="job call"):
        Group.create(on_success=print)
    with pytest.raises(InvalidJob, match="callbacks are"):
        Group.create(on_sucess=jobs.group_callback.call(ledger, "x"))
    with pytest.raises(InvalidJob, match="group=..."):
        jobs.group_member.using(group=42)
    with pytest.raises(GroupNotFound):
        Group.get("no-such-group")
    assert not redis.keys("resque:dj:group*")


def test_an_unknown_job_in_a_group_counts_as_failed(redis, ledger, work_here):
    with Group.create() as group:
        enqueue("tests.jobs.no_such_job", queue="default")  # by name: no id, so not a member
        jobs.group_member.using(group=group).delay(ledger, "known")
    payload = {"class": "tests.jobs.gone", "args": [], "id": "m1", "group": group.id}
    redis.hincrby(f"resque:dj:group:{group.id}", "total", 1)
    redis.sadd(f"resque:dj:group:{group.id}:pending", "m1")
    redis.rpush("resque:queue:default", json.dumps(payload))
    work_here("default")
    state = group.status()
    assert state.finished and (state.succeeded, state.failed) == (1, 1)


def test_group_wait_inside_a_job_warns(redis, ledger, settings):
    from django_resque.groups import context

    with context.performing(None), pytest.warns(RuntimeWarning, match="holds the worker"):
        Group.create().wait(timeout=0)


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_the_group_closes_on_commit_after_its_members(redis, ledger, work_here):
    from django.db import transaction

    with transaction.atomic(), with_callbacks(ledger) as group:
        jobs.group_member.delay(ledger, "on-commit")
        assert redis.llen("resque:queue:default") == 0  # members wait for the commit
    state = group.status()
    assert (state.total, state.open) == (1, False)
    work_here("default")
    assert group.status().finished and callbacks(ledger) == ["on_complete", "on_success"]


def test_a_block_that_raises_still_closes_its_group(redis, ledger, work_here):
    with pytest.raises(ValueError), with_callbacks(ledger) as group:
        jobs.group_member.delay(ledger, "before")
        raise ValueError("stop")
    work_here("default")
    assert group.status().finished and group.status().succeeded == 1
