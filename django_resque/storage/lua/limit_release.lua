-- limit_release.lua: an operator frees a lock or a slot known to be stale (limits/records.py).
--
-- KEYS[1]  <ns>:dj:limit:max     hash  the limit of each limit that has jobs waiting
-- ARGV[1 .. 5]  the limit settings (_limits.lua)
-- ARGV[6]  'lock' or 'slot'     ARGV[7] the limit's key k
-- ARGV[8]  lock: the id of the job it names; slot: the field (worker id, or '~' .. job id)
-- Compare and delete: a lock or slot taken by another holder meanwhile stays. A freed slot is
-- handed to the next job waiting for it, as a finished job's is.
-- Returns 1 when it was freed, 0 when `holder` no longer held it.
--#include _limits
local l = limit_settings(ARGV, 1)
local kind, k, holder = ARGV[6], ARGV[7], ARGV[8]
if kind == 'lock' then
  local key = l.lp .. 'lock:' .. k
  if redis.call('GET', key) ~= holder then return 0 end
  redis.call('DEL', key)
  return 1
end
if redis.call('HDEL', l.lp .. 'slots:' .. k, holder) == 0 then return 0 end
local max = redis.call('HGET', KEYS[1], 'slots:' .. k)
if max then slots_hand_off(l, k, tonumber(max), now_ms()) end
return 1
