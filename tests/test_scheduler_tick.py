"""The scheduler's pass with injected time: catch-up policies after downtime, and DST."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from setproctitle import getproctitle

from django_resque.queues import delayed
from django_resque.scheduler import schedules
from django_resque.scheduler.loop import Scheduler

BERLIN = ZoneInfo("Europe/Berlin")
T0 = 1_800_000_000  # a whole minute


def fired(redis, queue="default"):
    return [json.loads(raw)["slot"] for raw in redis.lrange(f"resque:queue:{queue}", 0, -1)]


def berlin(*args):
    return int(datetime(*args, tzinfo=BERLIN).timestamp())


@pytest.mark.parametrize(
    ("catchup", "max_catchup", "expected"),
    [
        ("skip", 10, []),
        ("once", 10, [T0 + 300]),
        ("all", 10, [T0 + 60, T0 + 120, T0 + 180, T0 + 240, T0 + 300]),
        ("all", 3, [T0 + 180, T0 + 240, T0 + 300]),
    ],
)
def test_after_five_missed_slots_each_catchup_policy_fires_what_it_promises(
    redis, catchup, max_catchup, expected
):
    schedules.set(
        "minutely", every=60, job="tests.jobs.add", catchup=catchup, max_catchup=max_catchup
    )
    scheduler = Scheduler(lease_seconds=30)
    scheduler.tick(now=T0)
    assert fired(redis) == [T0]
    scheduler.tick(now=T0 + 5 * 60 + 30)  # down for five slots, back 30 s after the last one
    assert fired(redis)[1:] == expected
    scheduler.tick(now=T0 + 5 * 60 + 40)
    scheduler.tick(now=T0 + 6 * 60 + 1)
    assert fired(redis)[-1] == T0 + 360


def test_skip_still_fires_a_slot_that_is_only_a_little_late(redis):
    schedules.set("minutely", every=60, job="tests.jobs.add", catchup="skip", misfire_grace=5)
    scheduler = Scheduler(lease_seconds=30)
    scheduler.tick(now=T0 - 30)
    scheduler.tick(now=T0 + 3)
    scheduler.tick(now=T0 + 66)
    assert fired(redis) == [T0]
    assert redis.hget("resque:dj:scheduler:last_slot", "minutely") == str(T0 + 60).encode()


def run_through(redis, cron, start, end, step=900):
    schedules.set("job", cron=cron, job="tests.jobs.add", timezone="Europe/Berlin")
    scheduler = Scheduler(lease_seconds=30)
    for now in range(start, end, step):
        scheduler.tick(now=now)
    return [datetime.fromtimestamp(slot, BERLIN).isoformat() for slot in fired(redis)]


def test_a_daily_0230_job_fires_once_on_the_fall_back_day(redis):
    assert run_through(redis, "30 2 * * *", berlin(2026, 10, 24, 12), berlin(2026, 10, 26, 12)) == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-26T02:30:00+01:00",
    ]


def test_a_daily_0230_job_fires_once_at_0300_on_the_spring_forward_day(redis):
    assert run_through(redis, "30 2 * * *", berlin(2026, 3, 28, 12), berlin(2026, 3, 30, 12)) == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
    ]


def test_an_hourly_job_fires_on_each_real_hour_of_the_fall_back_night(redis):
    start = berlin(2026, 10, 25, 1, 0)
    slots = run_through(redis, "30 * * * *", start, start + 4 * 3600, step=300)
    assert slots == [
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
        "2026-10-25T03:30:00+01:00",
    ]


def test_a_scheduler_without_the_lease_fires_nothing(redis):
    schedules.set("minutely", every=60, job="tests.jobs.add")
    leader, follower = Scheduler(lease_seconds=30), Scheduler(lease_seconds=30)
    follower.lease.holder = "other:1"
    leader.tick(now=T0)
    assert follower.tick(now=T0 + 60) == (0, 0)
    assert fired(redis) == [T0]


def test_a_leader_whose_lease_was_taken_over_enqueues_nothing(redis):
    schedules.set("minutely", every=60, job="tests.jobs.add")
    stale = Scheduler(lease_seconds=30)
    stale.tick(now=T0)
    # the lease expired while it was stopped, and with it the other families' locks it held
    redis.delete("resque:dj:scheduler:leader", *FOREIGN_LOCKS)
    successor = Scheduler(lease_seconds=30)
    successor.lease.holder = "other:2"
    successor.tick(now=T0 + 60)
    stale.lease.hold = lambda: True  # it wakes up still believing it leads
    assert stale.tick(now=T0 + 120) == (0, 0)
    assert fired(redis) == [T0, T0 + 60]
    assert stale.lease.value is None


def test_paused_and_disabled_entries_do_not_fire(redis):
    schedules.set("a", every=60, job="tests.jobs.add")
    schedules.set("b", every=60, job="tests.jobs.add", enabled=False)
    schedules.pause("a")
    Scheduler(lease_seconds=30).tick(now=T0)
    assert fired(redis) == []


def test_an_entry_that_breaks_does_not_stop_the_others(redis, settings):
    settings.RESQUE = {
        **settings.RESQUE,
        "SCHEDULE": {"good": {"every": 60, "job": "tests.jobs.add"}, "bad": {"every": "often"}},
    }
    Scheduler(lease_seconds=30).tick(now=T0)
    assert fired(redis) == [T0]


def test_a_long_promotion_is_split_over_passes_and_schedules_fire_first(redis, settings):
    settings.RESQUE = {**settings.RESQUE, "DELAYED_BATCH_SIZE": 2}
    schedules.set("minutely", every=60, job="tests.jobs.add", queue="cron")
    for i in range(7):
        delayed.enqueue_at(
            datetime.fromtimestamp(T0 + 100, BERLIN), "tests.jobs.add", i, queue="bulk"
        )
    scheduler = Scheduler(lease_seconds=30)
    scheduler.max_batches = 2
    assert scheduler.tick(now=T0 + 120) == (4, 1)
    assert scheduler.tick(now=T0 + 121) == (3, 0)
    assert delayed.count() == 0


def test_a_scheduler_that_cannot_reach_redis_stays_a_follower_and_fires_nothing(redis, settings):
    schedules.set("minutely", every=60, job="tests.jobs.add")
    settings.RESQUE = {**settings.RESQUE, "REDIS_URL": "redis://127.0.0.1:1/0"}
    scheduler = Scheduler(lease_seconds=30)
    assert scheduler.tick_safely() == (0, 0)
    assert scheduler.lease.value is None
    assert redis.llen("resque:queue:default") == 0


def test_a_leader_keeps_its_lease_across_a_redis_outage_and_leads_on_the_next_pass(
    redis, settings, caplog
):
    schedules.set("minutely", every=60, job="tests.jobs.add")
    scheduler = Scheduler(lease_seconds=30)
    assert scheduler.tick(now=T0) == (0, 1)
    held = scheduler.lease.value
    reachable = settings.RESQUE
    settings.RESQUE = {**reachable, "REDIS_URL": "redis://127.0.0.1:1/0"}
    assert scheduler.tick_safely() == (0, 0)
    assert scheduler.lease.value == held
    assert "event=redis_error" in caplog.text  # as docs/scheduler.md says
    assert getproctitle().endswith("Waiting for Redis")
    settings.RESQUE = reachable
    assert scheduler.tick(now=T0 + 60) == (0, 1)  # not a follower waiting out its own lease
    assert scheduler.lease.value == held  # renewed, not issued anew
    assert fired(redis) == [T0, T0 + 60]


FOREIGN_LOCKS = [
    "resque:resque:resque_scheduler_master_lock",  # resque-scheduler (Ruby)
    "resque:resque_scheduler_leader_lock",  # node-resque >= 7
    "resque:resque_scheduler_master_lock",  # node-resque before 7
]


@pytest.mark.parametrize("lock", FOREIGN_LOCKS)
def test_a_scheduler_of_another_family_holding_its_lock_keeps_ours_a_follower(redis, lock):
    schedules.set("minutely", every=60, job="tests.jobs.add")
    redis.set(lock, "ruby-host:4242", ex=180)  # as resque-scheduler / node-resque take it
    scheduler = Scheduler(lease_seconds=30)
    assert scheduler.tick(now=T0) == (0, 0)
    assert fired(redis) == [] and not redis.exists("resque:dj:scheduler:leader")
    redis.delete(lock)  # it stopped
    assert scheduler.tick(now=T0 + 60) == (0, 1)


def test_our_leader_holds_every_family_lock_with_its_lease_and_releases_them(redis):
    scheduler = Scheduler(lease_seconds=30)
    scheduler.tick(now=T0)
    for lock in FOREIGN_LOCKS:
        assert redis.get(lock) == scheduler.lease.holder.encode()
        assert 0 < redis.pttl(lock) <= 30_000
        # what resque-scheduler and node-resque do to take the lead: refused while we hold it
        assert redis.set(lock, "ruby-host:4242", nx=True, ex=180) is None
    scheduler.lease.release()
    assert not redis.exists("resque:dj:scheduler:leader", *FOREIGN_LOCKS)


def test_a_leader_steps_down_when_another_family_took_its_lock_meanwhile(redis):
    schedules.set("minutely", every=60, job="tests.jobs.add")
    scheduler = Scheduler(lease_seconds=30)
    assert scheduler.tick(now=T0) == (0, 1)
    redis.set(FOREIGN_LOCKS[0], "ruby-host:4242")  # our hold on it lapsed; Ruby took it
    assert scheduler.tick(now=T0 + 60) == (0, 0)
    assert not redis.exists("resque:dj:scheduler:leader")
    assert fired(redis) == [T0]


def test_with_the_defaults_catchup_all_loses_no_slot_of_an_every_second_entry_in_a_takeover(
    redis,
):
    from django_resque.conf import DEFAULTS
    from django_resque.scheduler.entry import MAX_CATCHUP

    lease = DEFAULTS["SCHEDULER_LEASE"]
    schedules.set("each-second", every=1, job="tests.jobs.add", catchup="all")  # default cap
    leader = Scheduler(lease_seconds=lease)
    leader.tick(now=T0)  # then it is killed: its lease runs out, its locks with it
    redis.delete("resque:dj:scheduler:leader", *FOREIGN_LOCKS)
    follower = Scheduler(lease_seconds=lease)
    follower.lease.holder = "other:2"
    takeover = T0 + int(lease) + int(DEFAULTS["SCHEDULER_INTERVAL"])  # lease, then one pass
    follower.tick(now=takeover)
    assert takeover - T0 <= MAX_CATCHUP
    assert fired(redis) == list(range(T0, takeover + 1))  # every slot, once


def test_a_unique_jobs_slot_is_passed_over_while_its_last_copy_has_not_run(redis, ledger):
    schedules.set(
        "rebuild", every=60, job="tests.jobs.unique_until_executed", args=[ledger, "s", 0]
    )
    schedules.set("capped", every=60, job="tests.jobs.two_at_once", args=[ledger, "c", 0])
    scheduler = Scheduler(lease_seconds=30)
    scheduler.tick(now=T0)
    scheduler.tick(now=T0 + 60)  # the first copy still waits on its queue
    payloads = [json.loads(raw) for raw in redis.lrange("resque:queue:default", 0, -1)]
    assert sorted((p["class"], p["slot"]) for p in payloads) == [
        ("tests.jobs.two_at_once", T0),
        ("tests.jobs.two_at_once", T0 + 60),
        ("tests.jobs.unique_until_executed", T0),
    ]
    assert all("limits" in p for p in payloads)  # the @job's limits hold for its firings too
    assert redis.hget("resque:dj:scheduler:last_slot", "rebuild") == str(T0 + 60).encode()
