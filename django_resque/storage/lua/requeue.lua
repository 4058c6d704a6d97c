-- requeue.lua: put a worker's in-flight payload back at the head of its queue, atomically.
--
-- Used for a dead worker found by prune (then also unregistering it, as Ruby's unregister_worker
-- does), and by a live worker for its own record (a reserve whose reply was lost, a job stopped
-- by TERM). Compare-and-set: nothing happens unless the record, and for prune the heartbeat, are
-- still exactly what the caller read, so a worker that heartbeat meanwhile is never pruned and a
-- payload is never pushed twice.
--
-- KEYS[1]  <ns>:worker:<id>               string  the in-flight record; DEL
-- KEYS[2]  <ns>:queue:<q>                 list    LPUSH the payload (head: it runs next)
-- KEYS[3]  <ns>:dj:wake:<q>               list    a wake token for idle workers (_push.lua)
-- KEYS[4]  <ns>:queues                    set     SADD the queue name
-- KEYS[5]  <ns>:dj:recovered:<sha1>       string  INCR: how often this payload was recovered
-- KEYS[6]  <ns>:workers                   set     SREM (unregister)
-- KEYS[7]  <ns>:worker:<id>:started       string  DEL (unregister)
-- KEYS[8]  <ns>:workers:heartbeat         hash    HDEL (unregister); compared first
-- KEYS[9]  <ns>:stat:processed:<id>       string  DEL (unregister)
-- KEYS[10] <ns>:stat:failed:<id>          string  DEL (unregister)
-- KEYS[11] <ns>:dj:incarnations           hash    HDEL (unregister): fences the old process
-- ARGV[1]  worker id
-- ARGV[2]  the record as read ("" = there was none)
-- ARGV[3]  the heartbeat as read ("" = do not compare)
-- ARGV[4]  payload to push back, byte for byte ("" = push nothing: it was failed instead)
-- ARGV[5]  queue name
-- ARGV[6]  "1" to count a recovery of this payload in KEYS[5]
-- ARGV[7]  seconds KEYS[5] is remembered
-- ARGV[8]  "1" to unregister the worker too
-- ARGV[9]  wake-token cap
-- ARGV[10] the payload's limits JSON ('' = none; _limits.lua), ARGV[11] its job id, ARGV[12]
--          "1" when it was failed for good instead of pushed back, ARGV[13 .. 17] the limit
--          settings: the slots the worker held for it are freed and handed on, and a failed
--          job's until_executed lock is released (a job pushed back keeps its lock)
-- Returns 1 when done, 0 when the record or heartbeat changed (nothing was touched).
--#include _push
--#include _limits
if ARGV[3] ~= '' and redis.call('HGET', KEYS[8], ARGV[1]) ~= ARGV[3] then
  return 0
end
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[2] then
  return 0
end
-- The record goes first: on a Redis at maxmemory (noeviction) a script may write once it has
-- deleted, and this one moves the payload from the record to the queue, freeing as it uses.
redis.call('DEL', KEYS[1])
if ARGV[4] ~= '' then
  push_and_wake(KEYS[4], KEYS[2], KEYS[3], ARGV[5], ARGV, 4, 4, tonumber(ARGV[9]), true)
end
if ARGV[10] ~= '' then
  local spec = limits_of(ARGV[10])
  if spec then limits_release(limit_settings(ARGV, 13), spec, ARGV[1], ARGV[11], ARGV[12] == '1') end
end
if ARGV[6] == '1' then
  redis.call('INCR', KEYS[5])
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[7]))
end
if ARGV[8] == '1' then
  redis.call('SREM', KEYS[6], ARGV[1])
  redis.call('DEL', KEYS[7], KEYS[9], KEYS[10])
  redis.call('HDEL', KEYS[8], ARGV[1])
  redis.call('HDEL', KEYS[11], ARGV[1])
end
return 1
