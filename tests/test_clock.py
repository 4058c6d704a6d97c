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
