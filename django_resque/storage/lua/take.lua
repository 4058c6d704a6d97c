-- take.lua: take the next payload off one queue without a worker (tests and tools), resolving a
-- priority slot marker as reserve.lua does.
--
-- KEYS[1]  <ns>:queue:<q>           list
-- KEYS[2]  <ns>:dj:priority:<q>     zset of prioritised payloads (see enqueue_priority.lua)
-- ARGV[1]  the slot marker
-- Returns the payload, or false when the queue is empty.
local SLOT = ARGV[1]
local NEGATIVE = 100 * 17592186044416  -- scores from here on belong to priorities below 0
local raw = redis.call('LPOP', KEYS[1])
local budget = redis.call('LLEN', KEYS[1]) + 1
while raw == SLOT and budget > 0 do
  budget = budget - 1
  local best = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if #best == 0 then
    raw = redis.call('LPOP', KEYS[1])
  elseif tonumber(best[2]) >= NEGATIVE and redis.call('LLEN', KEYS[1]) >= redis.call('ZCARD', KEYS[2]) then
    redis.call('RPUSH', KEYS[1], SLOT)
    raw = redis.call('LPOP', KEYS[1])
  else
    redis.call('ZREM', KEYS[2], best[1])
    raw = best[1]
  end
end
if raw == SLOT then  -- a full turn found only slots (some orphaned): take the best anyway
  local best = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #best == 0 then return false end
  redis.call('ZREM', KEYS[2], best[1])
  return best[1]
end
return raw
