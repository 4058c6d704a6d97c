"""Limits with real workers and the real Redis: unique jobs, concurrency slots, rate windows.

Concurrency and rate tests read the jobs' own start and end stamps (tests/jobs.py `_stamped`);
the fault tests kill real worker processes.
"""

from __future__ import annotations

import json
import signal
from datetime import timedelta

import pytest

from django_resque import Group
from django_resque.exceptions import InvalidJob
from django_resque.jobs.definition import job
from django_resque.limits import records
from django_resque.queues import lists as queues
from django_resque.worker.loop import Worker
from django_resque.worker.registration import register
from tests import jobs
from tests.helpers import wait_until

FAST = {"RESQUE_TEST_HEARTBEAT_INTERVAL": "0.3", "RESQUE_TEST_HEARTBEAT_TIMEOUT": "1.5"}


def stamps(ledger: str) -> list[tuple[str, str, float]]:
    """(start|end, token, time) of every run, in ledger order."""
    return [(r[0], r[1], float(r[3])) for r in jobs.read_ledger(ledger) if r[0] in {"start", "end"}]


def most_at_once(ledger: str, prefix: str = "") -> int:
    """The most runs (of tokens starting with `prefix`) in progress at one moment, from their
    own stamps (an end sorts before a start at the same instant: a slot is freed only after
    its job's end is written)."""
    events = sorted(
        (t, 0 if kind == "end" else 1)
        for kind, token, t in stamps(ledger)
        if token.startswith(prefix)
    )
    running = most = 0
    for _, starts in events:
        running += 1 if starts else -1
        most = max(most, running)
    return most


def ended(ledger: str) -> list[str]:
    return [token for kind, token, _ in stamps(ledger) if kind == "end"]


def payload_of(redis, queue: str = "default") -> dict:
    return json.loads(redis.lindex(f"resque:queue:{queue}", 0))


# --- options ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"unique": "forever"}, "until_executing"),
        ({"unique": "until_executed", "unique_for": 0}, "positive number"),
        ({"unique": "until_executed", "unique_for": True}, "positive number"),
        ({"concurrency": 0}, "whole number ≥ 1"),
        ({"concurrency": 2.5}, "whole number ≥ 1"),
        ({"rate_limit": "100/minute"}, '"N/m"'),
        ({"rate_limit": "0/s"}, "N ≥ 1"),
        ({"rate_limit": 100}, '"N/s"'),
        ({"concurrency_key": lambda x: x}, "needs concurrency"),
        ({"unique_key": lambda x: x}, "needs unique"),
        ({"unique_for": 10}, "needs unique"),
        ({"concurrency": 1, "concurrency_key": "account"}, "pass a function"),
    ],
)
def test_bad_limit_options_are_refused_at_import_with_a_sentence(options, says):
    with pytest.raises(InvalidJob, match=says):
        job(name="tests.limits.bad", **options)(jobs._stamped)


def test_a_payload_carries_its_limits_and_a_job_without_limits_carries_none(redis, ledger):
    jobs.record.delay(ledger, "plain")
    assert "limits" not in payload_of(redis)
    redis.delete("resque:queue:default")
    jobs.one_per_account.delay(ledger, "acme", "a", 0)
    assert payload_of(redis)["limits"] == {
        "slots": [{"key": "tests.jobs.one_per_account/acme", "max": 1}]
    }
    redis.delete("resque:queue:default")
    jobs.three_per_two_seconds.delay(ledger, "r")
    assert payload_of(redis)["limits"] == {
        "rate": {"key": "tests.jobs.three_per_two_seconds", "max": 3, "per": 2}
    }


# --- unique -------------------------------------------------------------------------------
def test_a_duplicate_is_refused_with_the_holders_id_and_nothing_is_pushed(redis, ledger):
    first = jobs.unique_until_executed.delay(ledger, "a", 0)
    second = jobs.unique_until_executed.delay(ledger, "a", 0)
    other = jobs.unique_until_executed.delay(ledger, "b", 0)  # other arguments: another lock
    assert first.enqueued and other.enqueued
    assert (second.enqueued, second.id) == (False, first.id)
    assert queues.size("default") == 2
    ttl = redis.pttl(f"resque:dj:limit:lock:{payload_of(redis)['limits']['lock']['key']}")
    assert 50_000 < ttl <= 60_000  # unique_for bounds the lock


def test_a_unique_key_function_chooses_what_counts_as_a_duplicate(redis, ledger):
    assert jobs.rebuild_site.delay(ledger, 7, token="x").enqueued
    assert not jobs.rebuild_site.delay(ledger, 7, token="y").enqueued
    assert jobs.rebuild_site.delay(ledger, 8, token="y").enqueued


@pytest.mark.one_leg(leg=2)
def test_until_executing_frees_the_lock_when_the_job_starts(redis, ledger, start_worker):
    assert jobs.unique_until_executing.delay(ledger, "a", 1.0).enqueued
    assert not jobs.unique_until_executing.delay(ledger, "a", 1.0).enqueued  # the first waits
    worker = start_worker("--queues", "default")
    wait_until(lambda: stamps(ledger))
    again = jobs.unique_until_executing.delay(ledger, "a", 1.0)  # the first one is running
    assert again.enqueued
    assert not jobs.unique_until_executing.delay(ledger, "a", 1.0).enqueued  # that one waits
    wait_until(lambda: len(ended(ledger)) == 2)
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)


@pytest.mark.one_leg(leg=1)
def test_until_executed_holds_the_lock_until_the_job_succeeded(redis, ledger, start_worker):
    first = jobs.unique_until_executed.delay(ledger, "a", 1.0)
    worker = start_worker("--queues", "default")
    wait_until(lambda: stamps(ledger))
    assert not jobs.unique_until_executed.delay(ledger, "a", 1.0).enqueued  # it is running
    wait_until(lambda: ended(ledger) == ["a"])
    wait_until(lambda: first.status == "succeeded")
    assert jobs.unique_until_executed.delay(ledger, "a", 1.0).enqueued
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)


def test_a_retry_keeps_the_lock_and_a_final_failure_frees_it(redis, ledger, work_here):
    first = jobs.unique_failing.delay(ledger)
    work_here("default", until=lambda: first.status == "retrying")
    assert not jobs.unique_failing.delay(ledger).enqueued  # the retry waits and holds it
    work_here("default", until=lambda: first.status == "failed")
    assert len(jobs.read_ledger(ledger)) == 2
    assert jobs.unique_failing.delay(ledger).enqueued


@pytest.mark.one_leg(leg=1)
def test_while_executing_accepts_copies_but_never_runs_two_at_once(redis, ledger, start_worker):
    for _ in range(3):
        assert jobs.unique_while_executing.delay(ledger, "same", 0.4).enqueued
    worker = start_worker("--count", "3", env=FAST)
    wait_until(lambda: len(ended(ledger)) == 3)
    assert most_at_once(ledger) == 1
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)


def test_a_delayed_unique_job_holds_its_lock_while_it_waits(redis, ledger):
    later = jobs.unique_until_executed.enqueue_in(timedelta(minutes=5), ledger, "a", 0)
    refused = jobs.unique_until_executed.delay(ledger, "a", 0)
    assert later.enqueued and (refused.enqueued, refused.id) == (False, later.id)
    (delayed_list,) = redis.keys("resque:delayed:1*")
    lock = json.loads(redis.lindex(delayed_list, 0))["limits"]["lock"]
    assert redis.pttl(f"resque:dj:limit:lock:{lock['key']}") > 300_000  # its wait, then its ttl


def test_a_refused_duplicate_inside_a_group_is_not_a_member(redis, ledger):
    jobs.unique_until_executed.delay(ledger, "a", 0)
    with Group.create(name="dupes") as group:
        assert not jobs.unique_until_executed.delay(ledger, "a", 0).enqueued
        assert jobs.unique_until_executed.delay(ledger, "b", 0).enqueued
    assert group.status().total == 1


def test_enqueue_many_refuses_a_unique_job(redis, ledger):
    with pytest.raises(InvalidJob, match=r"\.delay\(\) for each"):
        jobs.unique_until_executed.enqueue_many([(ledger, "a", 0)])


def test_inline_mode_runs_every_call(redis, ledger, settings):
    settings.RESQUE = {**settings.RESQUE, "INLINE": True}
    jobs.unique_until_executed.delay(ledger, "a", 0)
    jobs.unique_until_executed.delay(ledger, "a", 0)
    jobs.two_at_once.delay(ledger, "b", 0)
    assert ended(ledger) == ["a", "a", "b"]
    assert not redis.keys("resque:dj:limit:*")


# --- concurrency --------------------------------------------------------------------------
@pytest.mark.one_leg(leg=1)
def test_at_most_n_run_at_once_across_four_workers(redis, ledger, start_worker):
    for n in range(8):
        jobs.two_at_once.delay(ledger, str(n), 0.4)
    worker = start_worker("--count", "4", env=FAST)
    wait_until(lambda: len(ended(ledger)) == 8, timeout=40)
    assert most_at_once(ledger) == 2
    assert sorted(ended(ledger)) == [str(n) for n in range(8)]
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)
    # Every slot freed, no one waiting (the tick's schedule empties itself later).
    assert not set(redis.keys("resque:dj:limit:*")) - {b"resque:dj:limit:due"}


@pytest.mark.one_leg(leg=2)
def test_a_concurrency_key_limits_each_key_on_its_own(redis, ledger, start_worker):
    for token in "123":
        jobs.one_per_account.delay(ledger, "acme", token, 0.4)
        jobs.one_per_account.delay(ledger, "globex", token, 0.4)
    worker = start_worker("--count", "3", env=FAST)
    wait_until(lambda: len(ended(ledger)) == 6, timeout=40)
    per_account = {
        account: max(
            sum(
                1
                for k, t, at in stamps(ledger)
                if t.startswith(account) and k == "start" and at <= s
            )
            - sum(
                1 for k, t, at in stamps(ledger) if t.startswith(account) and k == "end" and at <= s
            )
            for k, tok, s in stamps(ledger)
            if tok.startswith(account)
        )
        for account in ("acme", "globex")
    }
    assert per_account == {"acme": 1, "globex": 1}
    assert most_at_once(ledger) == 2  # the two accounts ran side by side
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)


@pytest.mark.one_leg(leg=1)
def test_a_waiting_job_runs_within_a_second_of_the_slot_freeing(redis, ledger, start_worker):
    jobs.one_at_once.delay(ledger, "first", 1.0)
    jobs.one_at_once.delay(ledger, "second", 0)
    worker = start_worker("--count", "2", env=FAST)
    wait_until(lambda: len(ended(ledger)) == 2, timeout=30)
    times = {(kind, token): t for kind, token, t in stamps(ledger)}
    assert 0 <= times["start", "second"] - times["end", "first"] < 1.0
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)


@pytest.mark.one_leg(leg=2)
def test_kill_9_of_a_worker_holding_a_slot_frees_it_when_its_job_is_recovered(
    redis, ledger, start_worker
):
    jobs.one_at_once.delay(ledger, "held", 30)
    first = start_worker("--queues", "default", env=FAST)
    wait_until(lambda: stamps(ledger))
    slots = "resque:dj:limit:slots:tests.jobs.one_at_once"
    holder = wait_until(lambda: redis.hkeys(slots))
    (holder_job,) = redis.hvals(slots)
    jobs.one_at_once.delay(ledger, "waiting", 0)
    other = Worker(["default"])  # another worker meets the job: it waits for the slot
    register(other.id, other.slot.token)
    assert other.reserve() is None
    assert redis.llen("resque:dj:limit:wait:slots:tests.jobs.one_at_once") == 1
    other.shutdown()
    first.kill()  # the worker and the child running the job's first attempt
    first.wait(timeout=10)
    start_worker("--queues", "default", env=FAST)  # prunes the dead one, recovering its job
    # The recovery frees the dead worker's slot and hands it to the job that waited for it.
    wait_until(lambda: "waiting" in ended(ledger), timeout=30)
    assert holder[0] not in redis.hkeys(slots)
    # The recovered job runs again, in the slot the waiting one gave back.
    wait_until(lambda: [t for k, t, _ in stamps(ledger) if k == "start"].count("held") == 2)
    assert list(redis.hvals(slots)) == [holder_job]


# --- rate limits ----------------------------------------------------------------------------
@pytest.mark.one_leg(leg=2)
def test_no_more_than_n_starts_in_any_window(redis, ledger, work_here):
    for n in range(7):
        jobs.three_per_two_seconds.delay(ledger, str(n))
    work_here("default", until=lambda: len(ended(ledger)) == 7, timeout=30)
    starts = sorted(t for kind, _, t in stamps(ledger) if kind == "start")
    # Redis admits by its own clock a little before the job writes its stamp: allow 0.15 s.
    assert all(sum(1 for s in starts if t <= s < t + 2 - 0.15) <= 3 for t in starts)
    assert starts[-1] - starts[0] >= 4 - 0.15  # seven starts need three windows
    assert [token for kind, token, _ in stamps(ledger) if kind == "start"] == list("0123456")
    assert not redis.llen("resque:dj:limit:wait:rate:tests.jobs.three_per_two_seconds")


# --- operators ------------------------------------------------------------------------------
def test_an_operator_releases_a_stale_lock_and_a_stale_slot(redis, ledger):
    first = jobs.unique_until_executed.delay(ledger, "a", 0)
    k = payload_of(redis)["limits"]["lock"]["key"]
    assert not records.release("lock", k, "someone-else")
    assert records.release("lock", k, first.id)
    assert jobs.unique_until_executed.delay(ledger, "a", 0).enqueued
    slots = "resque:dj:limit:slots:tests.jobs.one_at_once"
    redis.hset(slots, "gone-worker", "some-job")
    assert records.release("slot", "tests.jobs.one_at_once", "gone-worker")
    assert not redis.exists(slots)
    with pytest.raises(ValueError, match="lock"):
        records.release("rate", k, "x")


def test_a_unique_job_removed_from_its_queue_or_the_delayed_set_frees_its_lock(redis, ledger):
    from django_resque.queues import delayed

    jobs.unique_until_executed.delay(ledger, "a", 0)
    raw = redis.lindex("resque:queue:default", 0)
    assert queues.remove_payload("default", 0, queues.digest(raw))
    assert jobs.unique_until_executed.delay(ledger, "a", 0).enqueued
    later = jobs.unique_until_executed.enqueue_in(timedelta(minutes=5), ledger, "b", 0)
    assert later.enqueued and delayed.remove("tests.jobs.unique_until_executed", ledger, "b", 0)
    assert jobs.unique_until_executed.delay(ledger, "b", 0).enqueued


# --- worker modes ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["no-fork", "fork-at-pickup"])
def test_the_no_fork_and_fork_at_pickup_workers_keep_the_limits(redis, ledger, work_here, mode):
    for n in range(3):
        jobs.one_at_once.delay(ledger, str(n), 0)
    jobs.unique_until_executed.delay(ledger, "u", 0)
    if mode == "no-fork":
        work_here("default", fork=False)
    else:
        work_here("default", FORK_AHEAD=False)
    assert sorted(ended(ledger)) == ["0", "1", "2", "u"]
    assert not redis.exists("resque:dj:limit:slots:tests.jobs.one_at_once")
    assert not redis.keys("resque:dj:limit:lock:*")
    assert jobs.unique_until_executed.delay(ledger, "u", 0).enqueued


@pytest.mark.one_leg(leg=2)
def test_a_threaded_worker_runs_at_most_n_at_once(redis, ledger, start_worker):
    for n in range(6):
        jobs.two_at_once.delay(ledger, str(n), 0.3)
    worker = start_worker("--threads", "4", env=FAST)
    wait_until(lambda: len(ended(ledger)) == 6, timeout=30)
    assert most_at_once(ledger) == 2
    worker.send_signal(signal.SIGQUIT)
    worker.wait(timeout=20)
    assert not redis.exists("resque:dj:limit:slots:tests.jobs.two_at_once")


# --- hostile payloads -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "limits",
    [
        "3",
        [1, 2],
        {"slots": [{"key": {}, "max": 1}]},
        {"slots": [{"key": "k", "max": "1"}]},
        {"slots": {"key": "k", "max": 1}},
        {"slots": [{"key": "k", "max": 0.5}]},
        {"rate": {"key": "k", "max": 1, "per": 1.5}},
        {"rate": {"key": "k", "max": -1, "per": 60}},
        {"lock": {"key": "k", "until": "forever", "ttl": 1}},
        {"lock": {"key": ["k"], "until": "executed", "ttl": 1}},
    ],
)
def test_a_hostile_limits_field_runs_the_job_as_if_it_had_none(redis, ledger, work_here, limits):
    payload = {"class": "tests.jobs.record", "args": [ledger, "x"], "id": "a" * 32}
    redis.rpush("resque:queue:default", json.dumps({**payload, "limits": limits}))
    work_here("default", fork=False)
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["x"]
    assert not redis.keys("resque:dj:limit:*")


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_lock_is_taken_at_commit_and_a_refusal_is_logged(
    redis, ledger, caplog
):
    from django.db import transaction

    caplog.set_level("INFO", logger="django_resque.jobs.dispatch")
    with transaction.atomic():
        first = jobs.unique_until_executed.delay(ledger, "a", 0)
        second = jobs.unique_until_executed.delay(ledger, "a", 0)
        assert first.enqueued and second.enqueued and queues.size("default") == 0
    assert queues.size("default") == 1 and payload_of(redis)["id"] == first.id
    refused = [r.getMessage() for r in caplog.records if "duplicate-refused" in r.getMessage()]
    assert refused == [
        f"event=duplicate-refused job=tests.jobs.unique_until_executed id={second.id} "
        f"queue=default holder={first.id}"
    ]


def test_a_burst_worker_gets_past_a_long_run_of_waiting_jobs(redis, ledger, work_here):
    register("elsewhere:1:default", "token")  # a live worker holding the one slot
    redis.hset("resque:dj:limit:slots:tests.jobs.one_at_once", "elsewhere:1:default", "job-x")
    for n in range(120):
        jobs.one_at_once.delay(ledger, str(n), 0)
    jobs.record.delay(ledger, "after")
    work_here("default", fork=False)
    assert [row[0] for row in jobs.read_ledger(ledger)] == ["after"]
    assert redis.llen("resque:dj:limit:wait:slots:tests.jobs.one_at_once") == 120
