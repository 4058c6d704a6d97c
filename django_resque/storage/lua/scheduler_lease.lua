-- scheduler_lease.lua: take or renew the scheduler leadership, with a fencing token.
--
-- KEYS[1]  <ns>:dj:scheduler:leader   string  "<holder>:<fence>", expires after the lease
-- KEYS[2]  <ns>:dj:scheduler:fence    string  integer, INCRed for every new lease
-- ARGV[1]  holder ("<host>:<pid>")
-- ARGV[2]  the lease value the caller believes it holds, or ""
-- ARGV[3]  lease length in milliseconds
-- ARGV[4]  "release" to give the lease up (only if still held), else ""
-- Returns the lease value now held by the caller, or false. A value is never issued twice, so
-- a leader that stalled past its lease can never match the key again.
local current = redis.call('GET', KEYS[1])
if ARGV[4] == 'release' then
  if current and current == ARGV[2] then redis.call('DEL', KEYS[1]) end
  return false
end
if current then
  if current == ARGV[2] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return current
  end
  return false
end
local value = ARGV[1] .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
return value
