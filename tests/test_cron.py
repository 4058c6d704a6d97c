"""cron.py: fire times as pure arithmetic, no Redis and no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from django_resque.scheduler.cron import Timing, parse_every


def epoch(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30),
        (2.0, 2),
        (timedelta(minutes=5), 300),
        ("45s", 45),
        ("5m", 300),
        ("2h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("90", 90),
    ],
)
def test_every_accepts_seconds_timedeltas_and_short_text(value, seconds):
    assert parse_every(value) == seconds


@pytest.mark.parametrize("value", [0, -5, 1.5, True, "often", "1h30m", None, timedelta(0)])
def test_every_refuses_what_is_not_a_whole_positive_number_of_seconds(value):
    with pytest.raises(ValueError, match="every"):
        parse_every(value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one"),
        ({"cron": "* * * * *", "every": 5}, "exactly one"),
        ({"cron": "61 * * * *"}, "not a cron expression"),
        ({"cron": "0 0 30 2 *"}, "never fires"),
        ({"cron": "* * * * *", "timezone": "Mars/Olympus"}, "IANA"),
        ({"every": 0}, "positive"),
    ],
)
def test_a_bad_timing_says_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Timing(**kwargs)


def test_every_fires_on_a_grid_of_multiples_since_the_epoch():
    timing = Timing(every=3600)
    assert timing.next_after(epoch(2026, 1, 1, 10, 15)) == epoch(2026, 1, 1, 11)
    assert timing.slots(epoch(2026, 1, 1, 8, 30), epoch(2026, 1, 1, 12), 10) == [
        epoch(2026, 1, 1, h) for h in (9, 10, 11, 12)
    ]
    assert timing.slots(epoch(2026, 1, 1, 8, 30), epoch(2026, 1, 1, 12), 2) == [
        epoch(2026, 1, 1, 11),
        epoch(2026, 1, 1, 12),
    ]


def test_cron_slots_are_the_latest_ones_oldest_first_and_exclude_the_start():
    timing = Timing(cron="0 */6 * * *")
    start, end = epoch(2026, 1, 1, 0), epoch(2026, 1, 2, 0)
    assert timing.slots(start, end, 10) == [epoch(2026, 1, 1, h) for h in (6, 12, 18)] + [end]
    assert timing.slots(start, end, 1) == [end]
    assert timing.slots(end, start, 10) == []


def test_a_six_field_cron_has_seconds_last():
    timing = Timing(cron="0 0 * * * */15")
    now = epoch(2026, 1, 1, 0, 0)
    assert timing.next_after(now) == now + 15
    assert Timing(cron="* * * * * *").slots(now, now + 3, 10) == [now + 1, now + 2, now + 3]


def test_a_cron_is_read_in_its_zone():
    timing = Timing(cron="0 9 * * *", timezone="America/New_York")
    assert timing.next_after(epoch(2026, 7, 1, 0)) == epoch(2026, 7, 1, 13)  # 09:00 EDT
    assert timing.next_after(epoch(2026, 12, 1, 0)) == epoch(2026, 12, 1, 14)  # 09:00 EST
