-- reserve.lua: count the job just finished (and store its success in its status hash), then
-- take the next payload, record it in flight and mark it running in its status hash.
--
-- Taking a payload off its queue and writing the worker's in-flight record (Resque's
-- `worker:<id>` "working on" JSON) happen in this one script, so there is no moment at which a
-- reserved payload exists nowhere: a worker killed at any point leaves it either on the queue or
-- in its record, where recovery finds it. A worker incarnation that was pruned as dead (its
-- token is gone from dj:incarnations) takes and counts nothing: its job was already put back.
--
-- KEYS[1]  <ns>:worker:<id>            string  in-flight record; SET when a payload is taken,
--                                              DEL when the queues are empty
-- KEYS[2]  <ns>:stat:processed         string  INCRBY ARGV[1] (jobs finished since last call)
-- KEYS[3]  <ns>:stat:processed:<id>    string  INCRBY ARGV[1]
-- KEYS[4]  <ns>:pause-all-workers      string  "true" (any case, trimmed) -> take nothing
-- KEYS[5]  <ns>:dj:paused              set     queue names that are paused -> skipped
-- KEYS[6]  <ns>:dj:incarnations        hash    worker id -> token of the live incarnation
-- KEYS[7 .. 6+n]        <ns>:queue:<q>    lists, in the worker's priority order
-- KEYS[7+n .. 6+2n]     <ns>:dj:wake:<q>  wake-token lists of the same queues
-- KEYS[7+2n .. 6+3n]    <ns>:dj:priority:<q>  zsets of prioritised payloads (_priority.lua):
--                       one EXISTS over all of them keeps plain queues to one LPOP each.
-- KEYS[#KEYS]  <ns>:dj:stat:processed:minute:<m>  string  INCRBY ARGV[1]; EXPIRE 90000 on the
--                                              minute's first count (timeline.py; admin chart)
-- ARGV[1]  jobs finished since the last call (0 or more), counted in the two stat keys
-- ARGV[2]  worker id
-- ARGV[3]  this incarnation's token
-- ARGV[4]  <ns>:dj:job:  the status hash prefix (Keys.job_prefix). The hash of the payload
--          taken, ARGV[4] .. its "id" (= Keys.job(id)), is only known once the payload is popped,
--          so it is built here and not declared in KEYS (the namespace is one Redis database; no
--          cluster slot rules).
--          If that hash EXISTS (the job keeps a status), it is marked as the attempt starts:
--          status=running, started_at, worker id appended to worker_ids, attempts + 1, PERSIST.
-- ARGV[5]  id of the job just finished with success whose status to store ("" = none): if
--          ARGV[4] .. id EXISTS it gets what job_finish.lua's mode "ok" writes: status=succeeded,
--          finished_at ARGV[7], result ARGV[6] (JSON), then EXPIRE ARGV[8] s (0: DEL). Stored
--          only by a live incarnation, as the counts: a pruned one's job was put back to run again.
-- ARGV[6]  that job's result JSON   ARGV[7] its finished_at (the worker's clock, when it ended)
-- ARGV[8]  RESULT_TTL seconds
-- ARGV[9]  the limits of the job just finished with success ('' = none; _limits.lua): the
--          slots it held are freed and handed on, and its until_executed lock released
-- ARGV[10 .. 14]  the limit settings (_limits.lua): a payload taken that carries limits
--          starts only within them; otherwise it moves to a waiting list and the next is taken
-- ARGV[15] the group of the job just finished with success ('' = none): it is recorded as a
--          member that succeeded (_groups.lua group_done), and ARGV[16 .. 23] are then the
--          group settings; F = 16 without a group, 24 with one
-- ARGV[F .. F-1+n]  queue names, in the order of KEYS[7 ..]
-- ARGV[F+n]         the slot marker older versions put in lists for prioritised payloads
-- ARGV[F+n+1 .. F+n+4]  the metrics arguments (_metrics.lua): the sums of the attempts (and
--          waits) the worker measured since it last sent them, when it sends them now
-- Returns {queue name, payload}; false when every queue is empty or paused; -1 when pruned; -2
-- when MAX_DIVERTED payloads in a row had to wait on a limit (the worker calls again at once:
-- the work of one call stays bounded).
--
-- The record's run_at (Ruby's `2026-11-25T03:04:05Z`) and the status hash's started_at
-- (`...T03:04:05.000123Z`, as status.py writes) come from Redis TIME, read once a payload is
-- taken: an idle worker sends this script together with its BLPOP, before the wait (see
-- reservation.py), so a time computed by the worker would be stale by up to the poll interval.
-- TIME before writes is safe: scripts replicate their effects (Redis >= 6.2, checks_integration).
--#include iso_time
--#include _priority
--#include _groups
--#include _limits
--#include _metrics
local MAX_DIVERTED = 50
-- Mark the attempt started (see ARGV[4]), for a job that keeps a status hash.
local function mark_started(decoded, now)
  local id = decoded['id']
  if type(id) ~= 'string' or id == '' then return end
  local key = ARGV[4] .. id
  if redis.call('EXISTS', key) == 0 then return end
  local ids = redis.call('HGET', key, 'worker_ids')
  local list = {}
  if ids then
    local ok, old = pcall(cjson.decode, ids)
    if ok and type(old) == 'table' then list = old end
  end
  list[#list + 1] = ARGV[2]
  redis.call('HSET', key, 'status', 'running', 'started_at', iso_utc_micros(now),
    'worker_ids', cjson.encode(list))
  redis.call('HINCRBY', key, 'attempts', 1)
  redis.call('PERSIST', key)
end

-- Same writes as job_finish.lua's mode "ok" (finish.record), for the job finished last.
local function mark_succeeded()
  if ARGV[5] == '' then return end
  local key = ARGV[4] .. ARGV[5]
  if redis.call('EXISTS', key) == 0 then return end
  redis.call('HSET', key, 'status', 'succeeded', 'finished_at', ARGV[7], 'result', ARGV[6])
  local ttl = tonumber(ARGV[8])
  if ttl > 0 then redis.call('EXPIRE', key, ttl) else redis.call('DEL', key) end
end

if redis.call('HGET', KEYS[6], ARGV[2]) ~= ARGV[3] then
  return -1
end
-- The finished job's record goes first (every path below replaces or deletes it): on a Redis at
-- maxmemory (noeviction) a script may write once it has deleted, and a reserve holds memory
-- level (a payload moves from its queue to the record), so workers drain a full Redis.
redis.call('DEL', KEYS[1])
mark_succeeded()
local limits = limit_settings(ARGV, 10)
if ARGV[9] ~= '' then
  local spec = limits_of(ARGV[9])
  if spec then limits_release(limits, spec, ARGV[2], ARGV[5], true) end
end
local F = 16
if ARGV[15] ~= '' then
  F = 16 + GROUP_SETTINGS
  group_done(group_settings(ARGV, 16), ARGV[15], ARGV[5], true)
end
local finished = tonumber(ARGV[1])
if finished > 0 then
  redis.call('INCRBY', KEYS[2], finished)
  redis.call('INCRBY', KEYS[3], finished)
  if redis.call('INCRBY', KEYS[#KEYS], finished) == finished then
    redis.call('EXPIRE', KEYS[#KEYS], 90000)  -- once per minute key, not once per job
  end
end
metrics_record(metrics_settings(ARGV, #ARGV - METRICS_ARGS + 1))
-- One EXISTS answers "is anything paused?" for the usual case where nothing is, instead of a GET
-- plus one SISMEMBER per queue on every reserve.
local paused = redis.call('EXISTS', KEYS[4], KEYS[5]) > 0
if paused then
  local pause = redis.call('GET', KEYS[4])
  if pause and string.lower(string.gsub(pause, '^%s*(.-)%s*$', '%1')) == 'true' then
    redis.call('DEL', KEYS[1])
    return false
  end
end
local n = #ARGV - F - METRICS_ARGS
local ranked = redis.call('EXISTS', unpack(KEYS, 7 + 2 * n, 6 + 3 * n)) > 0
local diverted = 0
for i = 1, n do
  local name = ARGV[F - 1 + i]
  if not paused or redis.call('SISMEMBER', KEYS[5], name) == 0 then
    local raw = take_next(KEYS[6 + i], KEYS[6 + 2 * n + i], ARGV[F + n], ranked)
    while raw do
      local now = redis.call('TIME')
      local ok, decoded = pcall(cjson.decode, raw)
      local payload = raw
      local spec = ok and type(decoded) == 'table' and type(decoded['id']) == 'string'
        and limits_of(decoded)
      if spec and not limits_admit(limits, spec, ARGV[2], decoded['id'],
          name .. '\n' .. raw, KEYS[6], tonumber(now[1]) * 1000 + math.floor(now[2] / 1000)) then
        diverted = diverted + 1
        if diverted >= MAX_DIVERTED then return -2 end
        raw = take_next(KEYS[6 + i], KEYS[6 + 2 * n + i], ARGV[F + n], ranked)
      else
        if not ok or type(decoded) ~= 'table' then
          payload = cjson.encode(raw)  -- keep the record valid JSON: store a bad payload as text
        else
          mark_started(decoded, now)
        end
        redis.call('SET', KEYS[1], '{"queue":' .. cjson.encode(name) .. ',"run_at":"'
          .. iso_utc(now) .. '","payload":' .. payload .. '}')
        return {name, raw}
      end
    end
  end
end
-- Every queue is empty: stale wake tokens would only cause idle spins, so drop them.
for i = 1, n do
  redis.call('DEL', KEYS[6 + n + i])
end
redis.call('DEL', KEYS[1])
return false
