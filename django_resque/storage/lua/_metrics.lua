-- _metrics.lua: record what workers measured, for metrics/ (`--#include _metrics`).
--
-- storage/metric_keys.py describes every key and field. The worker adds its attempts up per
-- job, queue and minute, and the waits per queue and minute, with their bucket counts
-- (metrics/recording.py), and sends the sums with a call it makes anyway: reserve.lua,
-- job_finish.lua, or metrics_flush.lua when it pauses or stops. Each sum goes into its minute
-- hash and its hour hash (minute // 60); attempts also into the all-time `totals` and
-- `duration:<job>` hashes.
--
-- Every write goes through redis.pcall: a metrics key that holds something else (another type,
-- a field that is no integer, a sum at its limit) or a Redis at maxmemory loses that figure
-- and never fails the script, whose real work (taking a job, recording a failure) goes on.
--
-- The arguments, METRICS_ARGS of them from index i (metrics_settings):
--   ARGV[i]    <ns>:dj:metrics:  the prefix (Keys.metrics_prefix); '' = metrics are off
--   ARGV[i+1]  seconds a minute key lives   ARGV[i+2]  seconds an hour key lives
--   ARGV[i+3]  the sums to record ('' = none), JSON
--              {"j": [[job, queue, minute, attempts, failed, retried, us, [bucket, count, ...]]],
--               "w": [[queue, minute, jobs, us, [bucket, count, ...]]]}
--              us: microseconds; bucket: 0 .. 26 (metrics/buckets.py)
local METRICS_ARGS = 4
local METRIC_BUCKETS = 27

local function metrics_settings(argv, i)
  if not argv[i] or argv[i] == '' then return nil end
  return {prefix = argv[i], minute_ttl = tonumber(argv[i + 1]), hour_ttl = tonumber(argv[i + 2]),
    sums = argv[i + 3] or ''}
end

local function metric_int(value)
  return string.format('%d', value)
end

local function metric_count(value)  -- a whole number >= 0, or nil
  if type(value) ~= 'number' or value ~= value or value < 0 or value > 1e15 then return nil end
  return math.floor(value)
end

-- Add a sum to a step's hash: count, microseconds and bucket counts; the TTL is set when the
-- count is first written.
local function metric_add(key, n, us, histogram, ttl)
  if redis.pcall('HINCRBY', key, 'n', metric_int(n)) == n and ttl then
    redis.pcall('EXPIRE', key, ttl)
  end
  redis.pcall('HINCRBY', key, 'us', metric_int(us))
  if type(histogram) ~= 'table' then return end
  for j = 1, #histogram - 1, 2 do
    local bucket, count = metric_count(histogram[j]), metric_count(histogram[j + 1])
    if bucket and count and count > 0 and bucket < METRIC_BUCKETS then
      redis.pcall('HINCRBY', key, metric_int(bucket), metric_int(count))
    end
  end
end

local function metric_steps(m, kind, minute, name)
  return {
    {m.prefix .. kind .. ':m:' .. metric_int(minute) .. ':' .. name, m.minute_ttl},
    {m.prefix .. kind .. ':h:' .. metric_int(math.floor(minute / 60)) .. ':' .. name, m.hour_ttl},
  }
end

local function metric_job(m, s)
  local job, queue, minute, n, failed, retried, us = s[1], s[2], metric_count(s[3]),
    metric_count(s[4]), metric_count(s[5]), metric_count(s[6]), metric_count(s[7])
  if type(job) ~= 'string' or type(queue) ~= 'string' or not (minute and n and failed
      and retried and us) or n == 0 then
    return
  end
  for _, step in ipairs(metric_steps(m, 'job', minute, job)) do
    metric_add(step[1], n, us, s[8], step[2])
    if failed > 0 then redis.pcall('HINCRBY', step[1], 'f', metric_int(failed)) end
    if retried > 0 then redis.pcall('HINCRBY', step[1], 'r', metric_int(retried)) end
  end
  local totals, pair = m.prefix .. 'totals', '\n' .. queue .. '\n' .. job
  redis.pcall('HINCRBY', totals, 'p' .. pair, metric_int(n))
  if failed > 0 then redis.pcall('HINCRBY', totals, 'f' .. pair, metric_int(failed)) end
  if retried > 0 then redis.pcall('HINCRBY', totals, 'r' .. pair, metric_int(retried)) end
  metric_add(m.prefix .. 'duration:' .. job, n, us, s[8], nil)
end

local function metric_wait(m, s)
  local queue, minute, n, us = s[1], metric_count(s[2]), metric_count(s[3]), metric_count(s[4])
  if type(queue) ~= 'string' or not (minute and n and us) or n == 0 then return end
  for _, step in ipairs(metric_steps(m, 'wait', minute, queue)) do
    metric_add(step[1], n, us, s[5], step[2])
  end
end

-- Record the sums of ARGV[i+3]; a sum whose fields are not of the documented kinds is skipped
-- (the worker writes them, so none should be).
local function metrics_record(m)
  if not m or m.sums == '' then return end
  local ok, sums = pcall(cjson.decode, m.sums)
  if not ok or type(sums) ~= 'table' then return end
  for _, kind in ipairs({{'j', metric_job}, {'w', metric_wait}}) do
    if type(sums[kind[1]]) == 'table' then
      for _, s in ipairs(sums[kind[1]]) do
        if type(s) == 'table' then kind[2](m, s) end
      end
    end
  end
end
