"""The cached clock renderings keep their exact formats at every moment of a second."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from django_resque.results import status
from django_resque.storage import clock


def test_the_status_clock_is_iso_utc_with_microseconds_and_follows_the_real_time():
    before = datetime.now(UTC)
    stamps = [clock.utc_now_micro() for _ in range(2000)]
    after = datetime.now(UTC)
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp)
        parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert before.replace(microsecond=0) <= parsed <= after
    assert stamps == sorted(stamps)  # one string order = time order, as the status hash needs
    assert status.now_iso() >= stamps[-1]


def test_the_cached_second_changes_with_the_second():
    first = clock.utc_now_micro()
    deadline = time.monotonic() + 5
    while clock.utc_now_micro()[:19] == first[:19] and time.monotonic() < deadline:
        time.sleep(0.01)
    later = clock.utc_now_micro()
    assert later[:19] > first[:19]


def test_ruby_times_round_trip_and_every_resque_form_parses_to_the_same_moment():
    moment = datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)
    assert clock.ruby_time(moment) == "2026-11-25 03:04:05 +0000"
    assert clock.parse_ruby_time(clock.ruby_time(moment)) == moment
    assert moment.strftime(clock.FAILED_AT_FORMAT) == "2026/11/25 03:04:05 UTC"
    for text in ("2026-11-25T03:04:05Z", "2026-11-25 03:04:05 +0000", str(int(moment.timestamp()))):
        assert clock.parse_any(text) == moment, text
    assert clock.parse_any("2026-11-25T03:04:05") == moment  # no zone: UTC
    assert clock.parse_any("next tuesday") is None


def test_redis_now_is_the_servers_clock_as_an_aware_utc_datetime(redis):
    seconds, _ = redis.time()
    now = clock.redis_now()
    assert now.tzinfo is UTC and abs(now.timestamp() - seconds) < 2
