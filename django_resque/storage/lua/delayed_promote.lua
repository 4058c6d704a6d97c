-- delayed_promote.lua: move due delayed items onto their queues, all or nothing per call.
--
-- Each item leaves `delayed:<ts>` and its payload lands on the queue in the same script, so a
-- scheduler killed at any instant loses nothing and duplicates nothing; an item that another
-- scheduler (Ruby, Node or ours) took first is no longer in the list and is skipped.
--
-- KEYS[1]  <ns>:delayed_queue_schedule   zset  ZREM ts once its list is empty
-- KEYS[2]  <ns>:delayed:<ts>             list  LREM 1 per item
-- KEYS[3]  <ns>:queues                   set   SADD each target queue
-- KEYS[4]  <ns>:dj:scheduler:leader      string the lease; checked when ARGV[2] is not empty
-- KEYS[5..] per item, three keys: <ns>:timestamps:<item>, <ns>:queue:<q>, <ns>:dj:wake:<q>
-- ARGV[1]  ts
-- ARGV[2]  lease value the caller holds, or "" for an unfenced call (admin "enqueue now")
-- ARGV[3]  wake-token cap
-- ARGV[4]  `delayed:<ts>` as the timestamps sets hold it (Keys.delayed_member)
-- ARGV[5..] per item, three values: item JSON, queue name, payload JSON to push
-- Returns how many items were moved, or -1 (and changes nothing) if the lease is not held.
--#include _push
if ARGV[2] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[2] then
  return -1
end
local moved = 0
local cap = tonumber(ARGV[3])
for i = 0, (#ARGV - 4) / 3 - 1 do
  local item, queue = ARGV[5 + 3 * i], ARGV[6 + 3 * i]
  local k = 5 + 3 * i
  if redis.call('LREM', KEYS[2], 1, item) == 1 then
    if redis.call('LPOS', KEYS[2], item) == false then
      redis.call('SREM', KEYS[k], ARGV[4])
    end
    push_and_wake(KEYS[3], KEYS[k + 1], KEYS[k + 2], queue, ARGV, 7 + 3 * i, 7 + 3 * i, cap, false)
    moved = moved + 1
  end
end
if redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return moved
