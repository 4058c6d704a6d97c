-- iso_time.lua: UTC ISO-8601 timestamps from Redis TIME (included with `--#include iso_time`).
--
-- Redis Lua has no os.date, so days since 1970-01-01 become a civil date with Howard Hinnant's
-- days_from_civil inverse (http://howardhinnant.github.io/date_algorithms.html#civil_from_days):
-- exact for every proleptic Gregorian day, leap days and century rules included. Lua 5.1 numbers
-- are doubles, exact for integers far beyond any Unix second.

-- Unix seconds (>= 0) as `2026-11-25T03:04:05`, without a zone suffix.
local function iso_utc_seconds(now)
  local days = math.floor(now / 86400)
  local secs = now - days * 86400
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
    - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d', y, m, d,
    math.floor(secs / 3600), math.floor(secs % 3600 / 60), secs % 60)
end

-- Redis TIME's reply ({seconds, microseconds} as strings) as Ruby's Resque writes run_at and
-- heartbeats: `2026-11-25T03:04:05Z`.
local function iso_utc(time)
  return iso_utc_seconds(tonumber(time[1])) .. 'Z'
end

-- The same with six-digit microseconds, as status.py writes its times: `...T03:04:05.000123Z`.
local function iso_utc_micros(time)
  return iso_utc_seconds(tonumber(time[1])) .. string.format('.%06dZ', tonumber(time[2]))
end
