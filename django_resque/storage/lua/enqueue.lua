-- enqueue.lua: put one or more payloads on a queue, as every Resque client does, and wake a worker.
--
-- KEYS[1]  <ns>:queues          set   SADD the queue name (Resque: a queue exists once pushed to)
-- KEYS[2]  <ns>:queue:<q>       list  RPUSH each payload (Resque: push right, pop left)
-- KEYS[3]  <ns>:dj:wake:<q>     list  one wake token per payload, up to the cap (_push.lua)
-- KEYS[4]  <ns>:dj:job:<id>     hash  optional (one payload only): the job's first status,
--                                     written in the same call so `.delay()` is one round trip
-- ARGV[1]  queue name
-- ARGV[2]  wake-token cap (tokens beyond it are dropped; the poll interval covers the rest)
-- ARGV[3]  group id the payloads join ('' for none), ARGV[4] Keys.group_prefix (_groups.lua):
--          each payload's `id` joins the group's pending set before the push, so no worker can
--          finish a member the group does not know yet
-- ARGV[5]  a unique job's lock key (Keys.limit_lock; '' for none; one payload only), ARGV[6]
--          how long it holds (ms), ARGV[7] the job's id: if another job holds the lock, nothing
--          is written or pushed (the payload joins no group) and the reply names that job
-- with KEYS[4]: ARGV[8] job name, ARGV[9] enqueued_at (ISO-8601 UTC, the client's clock as
--               status.py writes every time); the payloads follow
-- ARGV[8..] (or ARGV[10..] with KEYS[4]) payload JSON, byte for byte as it must be stored
-- Returns the queue's length after the push, or {id of the job holding the lock}.
--#include _push
--#include _groups
if ARGV[5] ~= '' and not redis.call('SET', ARGV[5], ARGV[7], 'NX', 'PX', ARGV[6]) then
  return {redis.call('GET', ARGV[5]) or ''}
end
local first = 8
if KEYS[4] then
  redis.call('HSET', KEYS[4], 'status', 'queued', 'job', ARGV[8], 'queue', ARGV[1],
    'enqueued_at', ARGV[9])
  first = 10
end
if ARGV[3] ~= '' then
  local ids = {}
  for i = first, #ARGV do
    local _, id = group_of(ARGV[i])
    if id then ids[#ids + 1] = id end
  end
  group_join({gp = ARGV[4]}, ARGV[3], ids)
end
return push_and_wake(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV, first, #ARGV, tonumber(ARGV[2]), false)
