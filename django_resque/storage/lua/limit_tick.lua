-- limit_tick.lua: look again at limits whose time has come (run by workers with retries).
--
-- A rate window frees a start when its oldest start leaves it; a slot handed to a released
-- job frees when that job is not taken within CLAIM_MS (it was removed from its queue by
-- another tool). _limits.lua puts such times in LP .. 'due'; this script hands what has freed
-- to the jobs waiting there, oldest first.
--
-- KEYS[1]  <ns>:dj:limit:due       zset  'slots:' .. k / 'rate:' .. k -> ms (Keys.limit_due)
-- KEYS[2]  <ns>:dj:limit:max       hash  the limit of each that has jobs waiting
-- KEYS[3]  <ns>:dj:incarnations    hash  live worker incarnations (slots of others are freed)
-- ARGV[1 .. 5]  the limit settings (_limits.lua)
-- ARGV[6]  most limits to look at in this call
-- Returns how many limits were looked at.
--#include _limits
local l = limit_settings(ARGV, 1)
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[6]))
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local kind, k = string.match(member, '^(%a+):(.*)$')
  local max = redis.call('HGET', KEYS[2], member)
  if kind == 'slots' then
    local key = l.lp .. 'slots:' .. k
    slots_reap(l, key, KEYS[3], now)
    if max then slots_hand_off(l, k, tonumber(max), now) end
    local fields = redis.call('HGETALL', key)
    for i = 1, #fields, 2 do  -- slots still handed out: look again when they run out
      if string.sub(fields[i], 1, 1) == '~' then
        redis.call('ZADD', KEYS[1], 'LT', fields[i + 1], member)
      end
    end
  elseif kind == 'rate' and max then
    local n, per = string.match(max, '^(%d+)/(%d+)$')
    if n then rate_hand_off(l, k, tonumber(n), tonumber(per) * 1000, now) end
  end
end
return #due
