-- failure_bulk.lua: retry or remove one batch of the failure records a filter matches.
--
-- Walks an index zset in seq order from a cursor, so one call touches at most ARGV[3] records
-- and Redis is never blocked long; Python calls it again with the returned cursor until done.
-- Removed records leave the failed list in the sweep that follows (failure_sweep.lua).
-- KEYS[1]  <ns>:dj:failed:data    hash  id -> record
-- KEYS[2]  <ns>:dj:failed:gone    zset  ids whose record the sweep must drop from the list
-- KEYS[3]  <ns>:dj:failed:sweep   hash  current sweep pass
-- KEYS[4]  <ns>:dj:failed:ix:all  zset  id -> seq
-- KEYS[5]  <ns>:queues             set   SADD each queue retried to
-- KEYS[6]  index to walk: ix:all, or the smallest facet index of the filter
-- KEYS[7..] other facet indexes the filter names; a record must be in all of them
-- ARGV[1]  "retry" or "remove"
-- ARGV[2]  <ns>:dj:failed:ix:  facet index prefix (Keys.failed_index_prefix; see _failures.lua)
-- ARGV[3]  batch size (records examined per call)
-- ARGV[4]  cursor: walk seqs greater than this
-- ARGV[5]  highest seq to touch (records that fail after the operation started are left alone)
-- ARGV[6]  wake-token cap
-- ARGV[7]  <ns>:queue:     ARGV[8]  <ns>:dj:wake:   (Keys.queue_prefix, Keys.wake_prefix): a
--          retried record's queue q is read from the record; its list is ARGV[7] .. q, its
--          wake list ARGV[8] .. q
-- ARGV[9]  Keys.group_prefix: a retried member of a group is pending in it again (_groups.lua)
-- ARGV[10] optional: a set of member ids (a group's `:failed`, Keys.group_failed); a record is
--          handled only if its payload's `id` is in it, when the record is reached, so a
--          member with two records is retried once (the first retry takes it out of the set)
-- Returns {records handled, next cursor, records examined}.
--#include _failures
--#include _push
--#include _groups
local ix_prefix, batch = ARGV[2], tonumber(ARGV[3])
local rows = redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. ARGV[4], ARGV[5],
  'WITHSCORES', 'LIMIT', 0, batch)
local handled, cursor = 0, ARGV[4]
local pass = tonumber(redis.call('HGET', KEYS[3], 'pass') or '0')
local by_queue = {}  -- queue -> payloads, pushed together after the loop
local members = ARGV[10] or ''

local function wanted(rec)
  if members == '' then return true end
  local payload = rec['payload']
  local id = type(payload) == 'table' and payload['id']
  return type(id) == 'string' and redis.call('SISMEMBER', members, id) == 1
end

for i = 1, #rows, 2 do
  local id = rows[i]
  cursor = rows[i + 1]
  local match = true
  for k = 7, #KEYS do
    if not redis.call('ZSCORE', KEYS[k], id) then match = false; break end
  end
  local raw = match and redis.call('HGET', KEYS[1], id)
  local rec = raw and decode_record(raw)
  if rec and wanted(rec) then
    local ok = true
    if ARGV[1] == 'retry' then
      local payload, queue = original_payload(raw, rec, id), text(rec['queue'])
      ok = payload ~= nil and queue ~= ''
      if ok then
        by_queue[queue] = by_queue[queue] or {}
        table.insert(by_queue[queue], payload)
        local gid, member = group_of(payload)
        group_reopen({gp = ARGV[9]}, gid, member)
      end
    end
    if ok then
      index_remove(KEYS[4], ix_prefix, KEYS[1], id, rec)
      redis.call('ZADD', KEYS[2], pass, id)
      handled = handled + 1
    end
  end
end
for queue, payloads in pairs(by_queue) do
  push_and_wake(KEYS[5], ARGV[7] .. queue, ARGV[8] .. queue, queue, payloads, 1, #payloads,
    tonumber(ARGV[6]), false)
end
return {handled, cursor, #rows / 2}
