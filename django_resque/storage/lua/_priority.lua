-- _priority.lua: take the next payload of one queue, honouring django.tasks priorities
-- (`--#include _priority`; see enqueue_priority.lua).
--
-- A payload with a priority other than 0 waits only in the queue's zset <ns>:dj:priority:<q>,
-- never in the Resque list, which Ruby, PHP and Node workers read: those see only plain
-- payloads. Order within a queue: priorities above 0 (highest first, then first in, first out),
-- then the list, then priorities below 0.
local PRIORITY_NEGATIVE = 100 * 17592186044416  -- zset scores from here on: priorities < 0

-- Pop a zset's best member; returns it, or false.
local function take_ranked(zset)
  local best = redis.call('ZRANGE', zset, 0, 0)
  if #best == 0 then return false end
  redis.call('ZREM', zset, best[1])
  return best[1]
end

-- Take from `list` and its priority `zset`; `legacy_slot` is the marker an older version put in
-- the list for each prioritised payload (still skipped, so an upgrade loses no order or job).
-- `ranked` says whether the zset may hold anything (false: the plain path, one LPOP).
local function take_next(list, zset, legacy_slot, ranked)
  if ranked then
    local best = redis.call('ZRANGE', zset, 0, 0, 'WITHSCORES')
    if #best > 0 and tonumber(best[2]) < PRIORITY_NEGATIVE then
      redis.call('ZREM', zset, best[1])
      return best[1]
    end
  end
  local raw = redis.call('LPOP', list)
  while raw and raw == legacy_slot do raw = redis.call('LPOP', list) end
  if raw then return raw end
  if ranked then return take_ranked(zset) end
  return false
end
