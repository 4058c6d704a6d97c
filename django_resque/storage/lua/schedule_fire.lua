-- schedule_fire.lua: claim one slot of a recurring schedule and enqueue it, in one step.
--
-- The lease check, the slot claim and the push happen together, so a slot is enqueued at most
-- once however many schedulers run, and a leader that lost its lease enqueues nothing.
--
-- KEYS[1]  <ns>:dj:scheduler:leader          string  must equal ARGV[1]
-- KEYS[2]  <ns>:dj:scheduler:slot:<name>:<slot> string SET NX EX: the claim of this firing
-- KEYS[3]  <ns>:dj:scheduler:last_slot       hash    name -> last slot; slots only go forward
-- KEYS[4]  <ns>:delayed:last_enqueued_at     hash    name -> time text (resque-scheduler)
-- KEYS[5]  <ns>:queues                       set     SADD the queue
-- KEYS[6]  <ns>:queue:<q>                    list    RPUSH the payload
-- KEYS[7]  <ns>:dj:wake:<q>                  list    wake token, up to the cap (_push.lua)
-- ARGV[1]  lease value   ARGV[2] schedule name   ARGV[3] slot epoch   ARGV[4] claim TTL seconds
-- ARGV[5]  time text for last_enqueued_at   ARGV[6] queue name   ARGV[7] wake-token cap
-- ARGV[8]  payload JSON, or "" to mark the slot as passed without enqueueing (catch-up "skip")
-- ARGV[9]  a unique job's lock key (Keys.limit_lock; '' for none), ARGV[10] its ttl (ms),
--          ARGV[11] the payload's id: if another copy holds the lock, the slot is passed over
-- Returns 1 fired, 2 passed over, 3 passed over as a duplicate of a unique job's copy, 0 already
-- claimed, -1 lease not held (nothing changed).
--#include _push
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local last = redis.call('HGET', KEYS[3], ARGV[2])
if last and tonumber(last) >= tonumber(ARGV[3]) then
  return 0
end
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
if ARGV[8] == '' then
  return 2
end
if ARGV[9] and ARGV[9] ~= '' and not redis.call('SET', ARGV[9], ARGV[11], 'NX', 'PX', ARGV[10]) then
  return 3
end
push_and_wake(KEYS[5], KEYS[6], KEYS[7], ARGV[6], ARGV, 8, 8, tonumber(ARGV[7]), false)
redis.call('HSET', KEYS[4], ARGV[2], ARGV[5])
return 1
