-- delayed_remove.lua: take given items out of one delayed timestamp, keeping the index consistent.
--
-- KEYS[1]  <ns>:delayed_queue_schedule   zset  ZREM ts once its list is empty
-- KEYS[2]  <ns>:delayed:<ts>             list  LREM each item
-- KEYS[3..] <ns>:timestamps:<item json>  set   one per item: SREM ARGV[3] when removed
-- ARGV[1]  ts
-- ARGV[2]  LREM count: 1 removes one copy per listed item, 0 every copy
-- ARGV[3]  `delayed:<ts>` as the timestamps sets hold it (Keys.delayed_member)
-- ARGV[4]  <ns>:dj:limit: (Keys.limit_prefix): a removed unique job's lock is released
-- ARGV[5..] item JSON, one per KEYS[3..]
-- Returns how many items were removed. An item some other process already took is skipped.
--#include _limits
local removed = 0
for i = 3, #KEYS do
  local item = ARGV[i + 2]
  local n = redis.call('LREM', KEYS[2], ARGV[2], item)
  if n > 0 then
    removed = removed + n
    lock_release_payload(ARGV[4], item)
    if redis.call('LPOS', KEYS[2], item) == false then
      redis.call('SREM', KEYS[i], ARGV[3])
    end
  end
end
if redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return removed
