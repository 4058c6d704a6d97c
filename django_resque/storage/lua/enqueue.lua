-- enqueue.lua: put one or more payloads on a queue, as every Resque client does, and wake a worker.
--
-- KEYS[1]  <ns>:queues          set   SADD the queue name (Resque: a queue exists once pushed to)
-- KEYS[2]  <ns>:queue:<q>       list  RPUSH each payload (Resque: push right, pop left)
-- KEYS[3]  <ns>:dj:wake:<q>     list  one wake token per payload, up to the cap (_push.lua)
-- KEYS[4]  <ns>:dj:job:<id>     hash  optional (one payload only): the job's first status,
--                                     written in the same call so `.delay()` is one round trip
-- ARGV[1]  queue name
-- ARGV[2]  wake-token cap (tokens beyond it are dropped; the poll interval covers the rest)
-- with KEYS[4]: ARGV[3] job name, ARGV[4] enqueued_at (ISO-8601 UTC, the client's clock as
--               status.py writes every time); the payloads follow
-- ARGV[3..] (or ARGV[5..] with KEYS[4]) payload JSON, byte for byte as it must be stored
-- Returns the queue's length after the push.
--#include _push
local first = 3
if KEYS[4] then
  redis.call('HSET', KEYS[4], 'status', 'queued', 'job', ARGV[3], 'queue', ARGV[1],
    'enqueued_at', ARGV[4])
  first = 5
end
return push_and_wake(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV, first, #ARGV, tonumber(ARGV[2]), false)
