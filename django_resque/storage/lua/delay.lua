-- delay.lua: store one delayed item exactly as resque-scheduler's delayed_push does, atomically.
--
-- KEYS[1]  <ns>:delayed:<ts>             list  RPUSH the item JSON
-- KEYS[2]  <ns>:timestamps:<item json>   set   SADD ARGV[3]
-- KEYS[3]  <ns>:delayed_queue_schedule   zset  ZADD ts ts (member = score = epoch seconds)
-- ARGV[1]  ts (integer epoch seconds)
-- ARGV[2]  item JSON, byte for byte as it must be stored
-- ARGV[3]  `delayed:<ts>`, no namespace, as Ruby writes it (Keys.delayed_member)
-- KEYS[4]  <ns>:dj:job:<id>              hash  optional: the job's first status, `scheduled`,
--                                              with ARGV[4] job name, ARGV[5] queue name,
--                                              ARGV[6] enqueued_at (ISO-8601 UTC)
-- Returns the length of the delayed list after the push.
if KEYS[4] then
  redis.call('HSET', KEYS[4], 'status', 'scheduled', 'job', ARGV[4], 'queue', ARGV[5],
    'enqueued_at', ARGV[6])
end
local length = redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[1])
return length
