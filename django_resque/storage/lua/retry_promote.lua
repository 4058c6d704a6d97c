-- retry_promote.lua: move due retries back onto their queues (run by idle or busy workers).
--
-- KEYS[1]  <ns>:dj:retry  zset  member `<queue>\n<payload>`, score = due epoch seconds
-- ARGV[1]  namespace with its colon; queue, queues-set and wake keys derive from it
-- ARGV[2]  now, epoch seconds
-- ARGV[3]  most members to move in this call
-- ARGV[4]  wake-token cap (as enqueue.lua)
-- Returns how many payloads were moved. Each member is ZREMed in the same script that pushes it,
-- so several workers promoting at once move each retry exactly once.
--#include _failures
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, item in ipairs(due) do
  local cut = string.find(item, '\n', 1, true)
  if cut then
    push_payload(ARGV[1], string.sub(item, 1, cut - 1), string.sub(item, cut + 1), tonumber(ARGV[4]))
  end
  redis.call('ZREM', KEYS[1], item)
end
return #due
