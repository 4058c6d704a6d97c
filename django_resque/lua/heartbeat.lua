-- heartbeat.lua: say this worker incarnation is alive, with Redis TIME, and offer the prune lock.
--
-- The heartbeat is written only while the worker's incarnation token is still registered: a
-- worker that was paused (SIGSTOP, a frozen VM) and pruned meanwhile learns it from the reply,
-- instead of resurrecting itself, and kills the child whose job now belongs to someone else.
--
-- KEYS[1]  <ns>:workers:heartbeat                  hash    worker id -> ISO-8601 UTC (Ruby's key)
-- KEYS[2]  <ns>:dj:incarnations                    hash    worker id -> token of the live process
-- KEYS[3]  <ns>:pruning_dead_workers_in_progress   string  Ruby's prune lock, SET NX EX
-- ARGV[1]  worker id
-- ARGV[2]  this incarnation's token
-- ARGV[3]  prune lock TTL in whole seconds (0: do not try to take it)
-- Returns {alive (1, or 0 when this incarnation was pruned), got the prune lock (1/0)}.
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  return {0, 0}
end
local now = tonumber(redis.call('TIME')[1])
-- days since 1970-01-01 to a civil date (H. Hinnant's algorithm); Redis Lua has no os.date
local days = math.floor(now / 86400)
local secs = now - days * 86400
local z = days + 719468
local era = math.floor(z / 146097)
local doe = z - era * 146097
local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
local mp = math.floor((5 * doy + 2) / 153)
local d = doy - math.floor((153 * mp + 2) / 5) + 1
local m = mp < 10 and mp + 3 or mp - 9
local y = yoe + era * 400 + (m <= 2 and 1 or 0)
local stamp = string.format('%04d-%02d-%02dT%02d:%02d:%02dZ', y, m, d,
  math.floor(secs / 3600), math.floor(secs % 3600 / 60), secs % 60)
redis.call('HSET', KEYS[1], ARGV[1], stamp)
local ttl = tonumber(ARGV[3])
if ttl > 0 and redis.call('SET', KEYS[3], ARGV[1], 'NX', 'EX', ttl) then
  return {1, 1}
end
return {1, 0}
