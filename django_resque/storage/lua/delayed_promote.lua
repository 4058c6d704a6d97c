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
-- ARGV[5]  <ns>:dj:job:  the status hash prefix (Keys.job_prefix): a promoted payload whose
--          "id" names a hash in status `scheduled` is marked `queued` (ARGV[5] .. id = Keys.job)
-- ARGV[6..] per item, three values: item JSON, queue name, payload JSON to push
-- Returns how many items were moved, or -1 (and changes nothing) if the lease is not held.
--#include _push
if ARGV[2] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[2] then
  return -1
end
local moved = 0
local cap = tonumber(ARGV[3])

-- A promoted job that keeps a status follows it from `scheduled` to `queued`.
local function mark_queued(payload)
  local ok, decoded = pcall(cjson.decode, payload)
  if not ok or type(decoded) ~= 'table' or type(decoded['id']) ~= 'string' then return end
  local status_key = ARGV[5] .. decoded['id']
  if redis.call('HGET', status_key, 'status') == 'scheduled' then
    redis.call('HSET', status_key, 'status', 'queued')
  end
end

for i = 0, (#ARGV - 5) / 3 - 1 do
  local item, queue = ARGV[6 + 3 * i], ARGV[7 + 3 * i]
  local k = 5 + 3 * i
  if redis.call('LREM', KEYS[2], 1, item) == 1 then
    if redis.call('LPOS', KEYS[2], item) == false then
      redis.call('SREM', KEYS[k], ARGV[4])
    end
    push_and_wake(KEYS[3], KEYS[k + 1], KEYS[k + 2], queue, ARGV, 8 + 3 * i, 8 + 3 * i, cap, false)
    mark_queued(ARGV[8 + 3 * i])
    moved = moved + 1
  end
end
if redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return moved
