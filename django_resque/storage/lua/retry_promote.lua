-- retry_promote.lua: move due retries back onto their queues (run by idle or busy workers).
--
-- KEYS[1]  <ns>:dj:retry  zset  member `<queue>\n<payload>`, score = due epoch seconds
-- KEYS[2]  <ns>:queues    set   SADD each queue pushed to
-- ARGV[1]  now, epoch seconds
-- ARGV[2]  most members to move in this call
-- ARGV[3]  wake-token cap (as enqueue.lua)
-- ARGV[4]  <ns>:queue:     ARGV[5]  <ns>:dj:wake:   (Keys.queue_prefix, Keys.wake_prefix): a
--          member's queue q is read from the member; its list is ARGV[4] .. q, its wake list
--          ARGV[5] .. q
-- A due retry goes to the head of its queue (LPUSH: workers pop from the left), so its backoff is
-- its wait, not the backoff plus the whole backlog; of several due at once the earliest due ends
-- up first. Returns how many payloads were moved. Each member is ZREMed in the same script that
-- pushes it, so several workers promoting at once move each retry exactly once.
--#include _push
local cap = tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for i = #due, 1, -1 do
  local item = due[i]
  local cut = string.find(item, '\n', 1, true)
  if cut then
    local queue = string.sub(item, 1, cut - 1)
    push_and_wake(KEYS[2], ARGV[4] .. queue, ARGV[5] .. queue, queue, {string.sub(item, cut + 1)},
      1, 1, cap, true)
  end
  redis.call('ZREM', KEYS[1], item)
end
return #due
