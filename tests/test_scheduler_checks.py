"""System checks for the scheduler settings (django_resque.E040-E049, W040-W049)."""

from __future__ import annotations

import pytest

from django_resque.checks.scheduler import check_scheduler


@pytest.fixture
def resque(settings):
    def configure(**extra):
        settings.RESQUE = {**settings.RESQUE, **extra}
        return {m.id for m in check_scheduler()}, check_scheduler()

    return configure


def test_a_good_schedule_passes(resque):
    ids, _ = resque(SCHEDULE={"n": {"cron": "0 3 * * *", "job": "tests.jobs.add"}})
    assert ids == set()


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ([], "django_resque.E040"),
        ({"n": {"cron": "0 3 * * *"}}, "django_resque.E041"),
        ({"n": {"cron": "61 * * * *", "job": "tests.jobs.add"}}, "django_resque.E041"),
        ({"n": {"every": "often", "job": "tests.jobs.add"}}, "django_resque.E041"),
        ({"n": {"every": 5, "job": "tests.jobs.add", "catchup": "maybe"}}, "django_resque.E041"),
        ({"n": {"every": 5, "job": "tests.jobs.add", "colour": "red"}}, "django_resque.E041"),
        ({"n": {"every": 5, "job": "Billing::Refund"}}, "django_resque.W042"),
    ],
)
def test_bad_schedule_entries_are_reported_with_an_id(resque, schedule, expected):
    ids, messages = resque(SCHEDULE=schedule)
    assert ids == {expected}
    assert all(m.msg.endswith((".", "registers.")) for m in messages)


@pytest.mark.parametrize(
    ("settings_", "expected"),
    [
        ({"SCHEDULER_LEASE": 0}, "django_resque.E043"),
        ({"DELAYED_BATCH_SIZE": 2.5}, "django_resque.E043"),
        ({"SCHEDULER_INTERVAL": 5, "SCHEDULER_LEASE": 5}, "django_resque.E044"),
        ({"SCHEDULER_INTERVAL": 2, "SCHEDULER_LEASE": 5}, "django_resque.W045"),
    ],
)
def test_bad_scheduler_timing_is_reported_with_an_id(resque, settings_, expected):
    ids, _ = resque(**settings_)
    assert ids == {expected}
