-- scheduler_lease.lua: take or renew the scheduler leadership, with a fencing token.
--
-- KEYS[1]     <ns>:dj:scheduler:leader   string  "<holder>:<fence>", expires after the lease
-- KEYS[2]     <ns>:dj:scheduler:fence    string  integer, INCRed for every new lease
-- KEYS[3..n]  the other scheduler families' leader locks (Keys.foreign_scheduler_locks),
--             strings "<host>:<pid>" with a TTL, taken as they take them (SET NX) and held
--             with our lease, so neither resque-scheduler nor node-resque leads beside us
-- ARGV[1]  holder ("<host>:<pid>")
-- ARGV[2]  the lease value the caller believes it holds, or ""
-- ARGV[3]  lease length in milliseconds
-- ARGV[4]  "release" to give the lease up (only if still held), else ""
-- Returns the lease value now held by the caller, or false. A value is never issued twice, so
-- a leader that stalled past its lease can never match the key again.
local current = redis.call('GET', KEYS[1])

-- True when no other scheduler holds any of the foreign locks.
local function foreign_locks_free()
  for i = 3, #KEYS do
    local holder = redis.call('GET', KEYS[i])
    if holder and holder ~= ARGV[1] then return false end
  end
  return true
end

local function hold_foreign_locks()
  for i = 3, #KEYS do
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[3])
  end
end

if ARGV[4] == 'release' then
  if current and current == ARGV[2] then
    redis.call('DEL', KEYS[1])
    for i = 3, #KEYS do
      if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
    end
  end
  return false
end
if current then
  if current ~= ARGV[2] then return false end
  if not foreign_locks_free() then
    redis.call('DEL', KEYS[1])  -- another family leads: our lease ends here
    return false
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  hold_foreign_locks()
  return current
end
if not foreign_locks_free() then return false end
local value = ARGV[1] .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
hold_foreign_locks()
return value
