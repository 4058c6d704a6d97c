-- delay.lua: store one delayed item exactly as resque-scheduler's delayed_push does, atomically.
--
-- KEYS[1]  <ns>:delayed:<ts>             list  RPUSH the item JSON
-- KEYS[2]  <ns>:timestamps:<item json>   set   SADD ARGV[3]
-- KEYS[3]  <ns>:delayed_queue_schedule   zset  ZADD ts ts (member = score = epoch seconds)
-- ARGV[1]  ts (integer epoch seconds)
-- ARGV[2]  item JSON, byte for byte as it must be stored
-- ARGV[3]  `delayed:<ts>`, no namespace, as Ruby writes it (Keys.delayed_member)
-- ARGV[4]  group id the job joins ('' for none), ARGV[5] Keys.group_prefix (_groups.lua): a
--          delayed member is pending from now until it has run
-- ARGV[6]  a unique job's lock key (Keys.limit_lock; '' for none), ARGV[7] how long it holds
--          (ms: its wait and then its ttl), ARGV[8] the job's id: if another job holds the lock,
--          nothing is stored and the reply names that job
-- KEYS[4]  <ns>:dj:job:<id>              hash  optional: the job's first status, `scheduled`,
--                                              with ARGV[9] job name, ARGV[10] queue name,
--                                              ARGV[11] enqueued_at (ISO-8601 UTC)
-- Returns the length of the delayed list after the push, or {id of the job holding the lock}.
--#include _groups
if ARGV[6] ~= '' and not redis.call('SET', ARGV[6], ARGV[8], 'NX', 'PX', ARGV[7]) then
  return {redis.call('GET', ARGV[6]) or ''}
end
if KEYS[4] then
  redis.call('HSET', KEYS[4], 'status', 'scheduled', 'job', ARGV[9], 'queue', ARGV[10],
    'enqueued_at', ARGV[11])
end
if ARGV[4] ~= '' then
  local _, id = group_of(ARGV[2])
  if id then group_join({gp = ARGV[5]}, ARGV[4], {id}) end
end
local length = redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[1])
return length
