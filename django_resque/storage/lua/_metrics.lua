-- _metrics.lua: record what workers measured, for metrics/ (`--#include _metrics`).
--
-- storage/metric_keys.py describes every key and field. reserve.lua records the attempts the
-- worker finished since its last call and the wait of the payload it takes; job_finish.lua
-- records a failed attempt (and any the worker still held); metrics_flush.lua what a pausing
-- or stopping worker still holds.
--
-- Every write goes through redis.pcall: a metrics key that holds something else (another type,
-- a field that is no integer, a sum at its limit) or a Redis at maxmemory loses that figure
-- and never fails the script, whose real work (taking a job, recording a failure) goes on.
--
-- The arguments, METRICS_ARGS of them from index i (metrics_settings):
--   ARGV[i]    <ns>:dj:metrics:  the prefix (Keys.metrics_prefix); '' = metrics are off
--   ARGV[i+1]  seconds a minute key lives   ARGV[i+2]  seconds an hour key lives
--   ARGV[i+3]  the attempts to record ('' = none): JSON [[job, queue, outcome, us, at], ...]
--              with outcome 0 succeeded, 1 failed and retried, 2 failed for good; us the
--              duration in microseconds; at the epoch second it ended (the worker's clock)
local METRICS_ARGS = 4
-- metrics/buckets.py BOUNDS_MS (tests/test_metrics_recording.py checks they agree)
local METRIC_BOUNDS_MS = {20, 30, 45, 65, 100, 150, 225, 335, 500, 750, 1100, 1700, 2500,
  3800, 5750, 8500, 13000, 20000, 30000, 45000, 65000, 100000, 150000, 225000, 335000}
local METRIC_MAX_US = 1e13  -- one figure at most (116 days), so hostile times cannot overflow

-- The bucket a duration in milliseconds falls in, as buckets.bucket_of (bisect_left).
local function metric_bucket(ms)
  local lo, hi = 1, #METRIC_BOUNDS_MS + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if METRIC_BOUNDS_MS[mid] < ms then lo = mid + 1 else hi = mid end
  end
  return string.format('%d', lo - 1)
end

local function metrics_settings(argv, i)
  if not argv[i] or argv[i] == '' then return nil end
  return {prefix = argv[i], minute_ttl = tonumber(argv[i + 1]), hour_ttl = tonumber(argv[i + 2]),
    entries = argv[i + 3] or ''}
end

-- One figure into a step's hash: count, sum and bucket; the TTL is set on its first count.
local function metric_add(key, us, ttl)
  if redis.pcall('HINCRBY', key, 'n', 1) == 1 then redis.pcall('EXPIRE', key, ttl) end
  redis.pcall('HINCRBY', key, 'us', string.format('%.0f', us))
  redis.pcall('HINCRBY', key, metric_bucket(us / 1000), 1)
end

local function metric_steps(m, kind, at, name)
  local minute, hour = math.floor(at / 60), math.floor(at / 3600)
  return {
    {m.prefix .. kind .. ':m:' .. string.format('%d', minute) .. ':' .. name, m.minute_ttl},
    {m.prefix .. kind .. ':h:' .. string.format('%d', hour) .. ':' .. name, m.hour_ttl},
  }
end

local function metric_attempt(m, job, queue, outcome, us, at)
  for _, step in ipairs(metric_steps(m, 'job', at, job)) do
    metric_add(step[1], us, step[2])
    if outcome > 0 then redis.pcall('HINCRBY', step[1], 'f', 1) end
    if outcome == 1 then redis.pcall('HINCRBY', step[1], 'r', 1) end
  end
  local totals, pair = m.prefix .. 'totals', '\n' .. queue .. '\n' .. job
  redis.pcall('HINCRBY', totals, 'p' .. pair, 1)
  if outcome > 0 then redis.pcall('HINCRBY', totals, 'f' .. pair, 1) end
  if outcome == 1 then redis.pcall('HINCRBY', totals, 'r' .. pair, 1) end
  local duration = m.prefix .. 'duration:' .. job
  redis.pcall('HINCRBY', duration, 'us', string.format('%.0f', us))
  redis.pcall('HINCRBY', duration, metric_bucket(us / 1000), 1)
end

-- Record the attempts of ARGV[i+3]; entries that are not [string, string, 0-2, number,
-- number] are skipped (the worker writes them, so none should be).
local function metrics_record(m)
  if not m or m.entries == '' then return end
  local ok, entries = pcall(cjson.decode, m.entries)
  if not ok or type(entries) ~= 'table' then return end
  for _, e in ipairs(entries) do
    local job, queue, outcome, us, at = e[1], e[2], e[3], e[4], e[5]
    if type(job) == 'string' and type(queue) == 'string' and (outcome == 0 or outcome == 1
        or outcome == 2) and type(us) == 'number' and type(at) == 'number' then
      metric_attempt(m, job, queue, outcome, math.min(math.max(us, 0), METRIC_MAX_US), at)
    end
  end
end

-- Record how long a payload taken from `queue` waited: Redis TIME `now` - its queue_time
-- (epoch seconds). A payload without a usable queue_time is not counted.
local function metrics_wait(m, queue, decoded, now)
  if not m then return end
  local queued = decoded['queue_time']
  if type(queued) ~= 'number' or queued ~= queued or queued <= 0 or queued >= 1e12 then return end
  local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
  local us = math.min(math.max((t - queued) * 1000000, 0), METRIC_MAX_US)
  for _, step in ipairs(metric_steps(m, 'wait', t, queue)) do
    metric_add(step[1], us, step[2])
  end
end
