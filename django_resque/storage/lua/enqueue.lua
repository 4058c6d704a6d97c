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
-- with KEYS[4]: ARGV[5] job name, ARGV[6] enqueued_at (ISO-8601 UTC, the client's clock as
--               status.py writes every time); the payloads follow
-- ARGV[5..] (or ARGV[7..] with KEYS[4]) payload JSON, byte for byte as it must be stored
-- Returns the queue's length after the push.
--#include _push
--#include _groups
local first = 5
if KEYS[4] then
  redis.call('HSET', KEYS[4], 'status', 'queued', 'job', ARGV[5], 'queue', ARGV[1],
    'enqueued_at', ARGV[6])
  first = 7
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
