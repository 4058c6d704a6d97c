"""lua/iso_time.lua formats Redis TIME as Python's datetime does, run by a real Redis."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django_resque.storage import scripts

_FORMAT_EVERY_ARGUMENT = b"""--#include iso_time
local out = {}
for i = 1, #ARGV, 2 do
  out[#out + 1] = iso_utc({ARGV[i], ARGV[i + 1]})
  out[#out + 1] = iso_utc_micros({ARGV[i], ARGV[i + 1]})
end
return out
"""


def formatted_by_redis(redis, stamps: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """Run the helper through Redis on (seconds, microseconds) pairs as TIME returns them."""
    source = scripts._with_includes(_FORMAT_EVERY_ARGUMENT)
    args = [str(part) for stamp in stamps for part in stamp]
    out = [value.decode() for value in redis.eval(source, 0, *args)]
    return list(zip(out[::2], out[1::2], strict=True))


def python_formats(seconds: int, micros: int) -> tuple[str, str]:
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}", f"{moment:%Y-%m-%dT%H:%M:%S.%fZ}"


def edges() -> list[datetime]:
    """Days where civil-date arithmetic goes wrong if it is going to: leap days, year ends."""
    days = [datetime(1970, 1, 1, tzinfo=UTC)]
    for year in (1972, 1999, 2000, 2024, 2026, 2099, 2100, 2101, 2399, 2400, 2401):
        for month, day in ((1, 1), (2, 28), (3, 1), (12, 31)):
            days.append(datetime(year, month, day, tzinfo=UTC))
        if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
            days.append(datetime(year, 2, 29, tzinfo=UTC))
    return [d + timedelta(seconds=s) for d in days for s in (0, 1, 59, 3599, 43200, 86399)]


def test_iso_time_matches_python_at_the_edges_of_days_months_leap_years_and_centuries(redis):
    stamps = [(int(moment.timestamp()), us) for moment in edges() for us in (0, 999999)]
    expected = [python_formats(*stamp) for stamp in stamps]
    assert formatted_by_redis(redis, stamps) == expected
    assert expected[0] == ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z")
    assert ("2400-02-29T00:00:00Z", "2400-02-29T00:00:00.000000Z") in expected


def test_iso_time_matches_python_for_random_moments_until_2500(redis):
    rng = random.Random(9)
    end = int(datetime(2500, 1, 1, tzinfo=UTC).timestamp())
    stamps = [(rng.randrange(end), rng.randrange(1_000_000)) for _ in range(5000)]
    assert formatted_by_redis(redis, stamps) == [python_formats(*stamp) for stamp in stamps]


def redis_time(redis) -> datetime:
    seconds, micros = redis.time()
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)


def test_iso_time_formats_this_moment_from_redis_time(redis):
    now = b"--#include iso_time\nreturn iso_utc_micros(redis.call('TIME'))"
    source = scripts._with_includes(now)
    before = redis_time(redis)
    stamp = datetime.strptime(redis.eval(source, 0).decode(), "%Y-%m-%dT%H:%M:%S.%fZ")
    assert before <= stamp.replace(tzinfo=UTC) <= redis_time(redis)
