-- job_finish.lua: record what came of one attempt, in one round trip from the worker's parent.
--
-- mode "ok": the job's status becomes succeeded with its result.
-- mode "retry": the next attempt's payload waits in the retry zset until it is due, stat:retried
--               counts it, and the status becomes retrying with the error appended.
-- mode "fail": the failure record goes to Resque's failed list and our index, stat:failed (and
--              the worker's) count it, and the status becomes failed with the error appended.
-- KEYS[1]  <ns>:dj:job:<id>              hash    status (touched only if it exists)
-- KEYS[2]  <ns>:failed                   list    RPUSH record (mode fail)
-- KEYS[3]  <ns>:dj:failed:data           hash    id -> record
-- KEYS[4]  <ns>:dj:failed:seq            string  INCR
-- KEYS[5]  <ns>:stat:failed              string  INCR
-- KEYS[6]  <ns>:stat:failed:<worker>     string  INCR
-- KEYS[7]  <ns>:dj:retry                 zset    member `<queue>\n<payload>` -> due time
-- KEYS[8]  <ns>:stat:retried             string  INCR
-- KEYS[9]  <ns>:dj:failed:ix:all        zset    id -> seq (mode fail)
-- KEYS[10] <ns>:dj:stat:failed:minute:<m> string INCR + EXPIRE 90000 (mode fail; optional;
--                                                 = timeline.RETENTION_SECONDS; admin chart)
-- ARGV[1]  mode   ARGV[3] now (ISO-8601 UTC)
-- ARGV[2]  <ns>:dj:failed:ix:  facet index prefix (Keys.failed_index_prefix; see _failures.lua)
-- ARGV[4]  result TTL in seconds (0: delete the status once terminal)
-- ARGV[5]  mode ok: result JSON; otherwise the error `{"exception","error","backtrace"}` JSON
-- ARGV[6]  mode fail: failure id; mode retry: due time (epoch seconds)
-- ARGV[7]  mode fail: failure record JSON; mode retry: retry zset member ('' in mode ok)
-- ARGV[8]  the job's limits JSON ('' = none; _limits.lua), ARGV[9] the worker id, ARGV[10] the
--          job id, ARGV[11 .. 15] the limit settings: the slots the worker held for the job are
--          freed and handed on; mode ok and fail release its until_executed lock, and mode retry
--          makes it last until the next attempt is due
-- ARGV[16] the job's group ('' = none) and ARGV[17] its member id: mode ok records it as a
--          member that succeeded, mode fail as one that failed (_groups.lua group_done; a
--          retry keeps it pending); ARGV[18 .. 25] the group settings ('' each without a group)
-- KEYS[11] <ns>:dj:recorded:<worker>     string  the attempt recorded last (optional, with
--                                                 ARGV[30]); SET, EX one day
-- ARGV[26 .. 29]  the metrics arguments (_metrics.lua; absent when the caller sends none): the
--          sums of the attempt this call records and of those the worker still held
-- ARGV[30] the attempt's id ('' or absent = do not check): a call the worker sends again after
--          its reply was lost finds it in KEYS[11] and records nothing twice (returns 0)
--#include _failures
--#include _groups
--#include _limits
--#include _metrics
local mode = ARGV[1]
if KEYS[11] and ARGV[30] and ARGV[30] ~= '' then
  if redis.call('GET', KEYS[11]) == ARGV[30] then return 0 end
  redis.call('SET', KEYS[11], ARGV[30], 'EX', 86400)
end
metrics_record(metrics_settings(ARGV, 26))
if ARGV[8] and ARGV[8] ~= '' then
  local spec, l = limits_of(ARGV[8]), limit_settings(ARGV, 11)
  if spec then
    limits_release(l, spec, ARGV[9], ARGV[10], mode ~= 'retry')
    if mode == 'retry' then
      lock_extend(l, spec['lock'], ARGV[10], math.max(0, tonumber(ARGV[6]) * 1000 - now_ms()))
    end
  end
end
if ARGV[16] and ARGV[16] ~= '' and mode ~= 'retry' then
  group_done(group_settings(ARGV, 18), ARGV[16], ARGV[17], mode == 'ok')
end
if mode == 'fail' then
  redis.call('RPUSH', KEYS[2], ARGV[7])
  index_add(KEYS[9], ARGV[2], KEYS[3], KEYS[4], ARGV[6], ARGV[7], decode_record(ARGV[7]))
  redis.call('INCR', KEYS[5])
  redis.call('INCR', KEYS[6])
  if KEYS[10] then
    redis.call('INCR', KEYS[10])
    redis.call('EXPIRE', KEYS[10], 90000)
  end
elseif mode == 'retry' then
  redis.call('ZADD', KEYS[7], ARGV[6], ARGV[7])
  redis.call('INCR', KEYS[8])
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
if mode == 'ok' then
  redis.call('HSET', KEYS[1], 'status', 'succeeded', 'finished_at', ARGV[3], 'result', ARGV[5])
else
  -- append as text: a decode/encode round trip would turn empty lists into {}
  local errors = redis.call('HGET', KEYS[1], 'errors') or '[]'
  if string.match(errors, '^%[%s*%]$') or string.sub(errors, -1) ~= ']' then
    errors = '[' .. ARGV[5] .. ']'
  else
    errors = string.sub(errors, 1, -2) .. ',' .. ARGV[5] .. ']'
  end
  local state = 'failed'
  if mode == 'retry' then state = 'retrying' end
  redis.call('HSET', KEYS[1], 'status', state, 'errors', errors)
  if mode == 'retry' then return 1 end
  redis.call('HSET', KEYS[1], 'finished_at', ARGV[3])
end
local ttl = tonumber(ARGV[4])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) else redis.call('DEL', KEYS[1]) end
return 1
