-- enqueue_priority.lua: put a payload with a non-zero priority on a queue (django.tasks priority).
--
-- Redis lists have no order but arrival, so the payload waits in a sorted set of its own queue,
-- ranked by priority, then arrival; the worker's reserve takes from it before the queue's list
-- (priority > 0) or after it (< 0) (_priority.lua). Nothing goes in the Resque list, which Ruby,
-- PHP and Node workers read. Plain (priority 0) payloads never touch this script.
--
-- KEYS[1]  <ns>:queues              set   SADD the queue name
-- KEYS[2]  <ns>:queue:<q>           list  not written; its length counts in the reply
-- KEYS[3]  <ns>:dj:wake:<q>         list  one wake token, up to the cap (_push.lua)
-- KEYS[4]  <ns>:dj:priority:<q>     zset  payload -> (100 - priority) * 2^44 + sequence
-- KEYS[5]  <ns>:dj:priority-seq     string INCR: first in, first out among equal priorities
-- KEYS[6]  <ns>:dj:job:<id>         hash  optional: the job's first status (as enqueue.lua)
-- ARGV[1]  queue name
-- ARGV[2]  wake-token cap
-- ARGV[3]  priority, a whole number in -100..100 other than 0
-- ARGV[4]  payload JSON
-- ARGV[5], ARGV[6]  with KEYS[6]: job name, enqueued_at (ISO-8601 UTC, the client's clock)
-- Returns the queue's length after the push, its list and its sorted set together.
--#include _push
if KEYS[6] then
  redis.call('HSET', KEYS[6], 'status', 'queued', 'job', ARGV[5], 'queue', ARGV[1],
    'enqueued_at', ARGV[6])
end
local priority = tonumber(ARGV[3])
local sequence = redis.call('INCR', KEYS[5]) % 17592186044416  -- 2^44
-- string.format: Redis would print a Lua number with 14 digits and lose the sequence.
redis.call('ZADD', KEYS[4], string.format('%.0f', (100 - priority) * 17592186044416 + sequence), ARGV[4])
wake(KEYS[1], KEYS[3], ARGV[1], 1, tonumber(ARGV[2]))
return redis.call('LLEN', KEYS[2]) + redis.call('ZCARD', KEYS[4])
