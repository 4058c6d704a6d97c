"""A group's failed members in the failure index: found by group, retried exactly once each."""

import json

from django_resque import Group
from django_resque.failures import registry as failures
from django_resque.groups import failed_members
from django_resque.jobs.outcome import Outcome
from tests import jobs

BROKEN = Outcome(ok=False, exception="ValueError", error="broken", backtrace=[])


def save_record(payload: dict) -> str:
    record = failures.build(
        json.dumps(payload).encode(), BROKEN, queue="default", worker_id="host:1:default"
    )
    failures.save(record)
    return record["id"]


def failed_group(work_here, ledger):
    with Group.create(name="g") as group:
        jobs.group_member.delay(ledger, "fine")
        jobs.fail.delay("broken")
    work_here("default")
    assert group.status().failed == 1
    return group


def test_records_of_a_groups_payloads_are_indexed_under_the_group(redis, ledger, work_here):
    group = failed_group(work_here, ledger)
    save_record({"class": "tests.jobs.fail", "args": ["alone"], "id": "x1"})
    grouped = failures.FailureFilter(group=group.id)
    assert failures.count(grouped) == 1 and failures.count() == 2
    (record,) = failures.page(grouped)
    assert record.payload["group"] == group.id and record.args == ["broken"]
    assert failures.count(failures.FailureFilter(group="no-such-group")) == 0
    assert not redis.exists("resque:dj:failed:ix:group:")  # ungrouped records have no key


def test_retrying_a_groups_members_takes_only_its_failed_members_once_each(
    redis, ledger, work_here
):
    group = failed_group(work_here, ledger)
    (member,) = failures.page()
    save_record(member.payload)  # a second record of the same member (a redelivered job)
    save_record({"class": "tests.jobs.fail", "args": ["late"], "id": "x2", "group": group.id})
    assert failures.count(failures.FailureFilter(group=group.id)) == 3
    assert [m.counted for m in failed_members.page(group.id, 0, 10)] == [False, True, True]
    assert failed_members.retry(group.id) == 1
    state = group.status()
    assert (state.failed, state.pending, state.finished) == (0, 1, False)
    assert redis.llen("resque:queue:default") == 1  # the member, once
    assert failures.count(failures.FailureFilter(group=group.id)) == 2  # non-members stay
    work_here("default")  # the member fails again, for good
    state = group.status()
    assert (state.failed, state.pending, state.finished) == (1, 0, True)
    assert failed_members.count(group.id) == 1


def test_a_retried_or_removed_record_leaves_the_group_index(redis, ledger, work_here):
    group = failed_group(work_here, ledger)
    (member,) = failures.page()
    assert failures.retry(member.id)
    assert failures.count(failures.FailureFilter(group=group.id)) == 0
    assert not redis.exists(f"resque:dj:failed:ix:group:{group.id}")
