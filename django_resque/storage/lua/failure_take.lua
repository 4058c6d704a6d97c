-- failure_take.lua: retry or remove ONE failure record, addressed by its id.
--
-- Retry puts the original payload back on the record's queue and removes the record in the
-- same script, so it is re-enqueued exactly once however many people click at once.
-- KEYS[1]  <ns>:failed            list  the record is LREMed (scanning from the newest end)
-- KEYS[2]  <ns>:dj:failed:data    hash  id -> record
-- KEYS[3]  <ns>:dj:failed:gone    zset  ids removed here but too deep in the list to LREM now
-- KEYS[4]  <ns>:dj:failed:sweep   hash  the current sweep pass (see failure_sweep.lua)
-- KEYS[5]  <ns>:dj:failed:ix:all  zset  id -> seq
-- KEYS[6]  <ns>:queues            set   SADD the queue retried to
-- ARGV[1]  failure id
-- ARGV[2]  "retry" or "remove"
-- ARGV[3]  <ns>:dj:failed:ix:  facet index prefix (Keys.failed_index_prefix; see _failures.lua)
-- ARGV[4]  wake-token cap (as enqueue.lua)
-- ARGV[5]  how far from the newest end to look for the record before leaving it to the sweep
-- ARGV[6]  <ns>:queue:     ARGV[7]  <ns>:dj:wake:   (Keys.queue_prefix, Keys.wake_prefix): the
--          record's queue q is read from the record; its list is ARGV[6] .. q, its wake list
--          ARGV[7] .. q
-- ARGV[8]  Keys.group_prefix: a retried member of a group is pending in it again (_groups.lua)
-- Returns 1 when done, 0 when no record has that id, -1 when a retry has no payload or queue.
--#include _failures
--#include _push
--#include _groups
local id, ix_prefix = ARGV[1], ARGV[3]
local raw = redis.call('HGET', KEYS[2], id)
if not raw then return 0 end
local rec = decode_record(raw)
if ARGV[2] == 'retry' then
  local payload = original_payload(raw, rec, id)
  local queue = text(rec['queue'])
  if not payload or queue == '' then return -1 end
  push_and_wake(KEYS[6], ARGV[6] .. queue, ARGV[7] .. queue, queue, {payload}, 1, 1,
    tonumber(ARGV[4]), false)
  local gid, member = group_of(payload)
  group_reopen({gp = ARGV[8]}, gid, member)
end
index_remove(KEYS[5], ix_prefix, KEYS[2], id, rec)
if redis.call('LPOS', KEYS[1], raw, 'RANK', -1, 'MAXLEN', tonumber(ARGV[5])) then
  redis.call('LREM', KEYS[1], -1, raw)
else
  mark_gone(KEYS[3], KEYS[4], id)
end
return 1
