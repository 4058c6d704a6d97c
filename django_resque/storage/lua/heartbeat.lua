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
--#include iso_time
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  return {0, 0}
end
local stamp = iso_utc(redis.call('TIME'))
-- HDEL first: a stamp replaces a stamp of the same size, so it is written on a Redis at
-- maxmemory (noeviction) too, where a script may write once it has deleted.
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], stamp)
local ttl = tonumber(ARGV[3])
if ttl > 0 and redis.call('SET', KEYS[3], ARGV[1], 'NX', 'EX', ttl) then
  return {1, 1}
end
return {1, 0}
