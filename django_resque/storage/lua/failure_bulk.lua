-- failure_bulk.lua: retry or remove one batch of the failure records a filter matches.
--
-- Walks an index zset in seq order from a cursor, so one call touches at most ARGV[3] records
-- and Redis is never blocked long; Python calls it again with the returned cursor until done.
-- Removed records leave the failed list in the sweep that follows (failure_sweep.lua).
-- KEYS[1]  <ns>:dj:failed:data    hash  id -> record
-- KEYS[2]  <ns>:dj:failed:gone    zset  ids whose record the sweep must drop from the list
-- KEYS[3]  <ns>:dj:failed:sweep   hash  current sweep pass
-- KEYS[4]  index to walk: ix:all, or the smallest facet index of the filter
-- KEYS[5..] other facet indexes the filter names; a record must be in all of them
-- ARGV[1]  "retry" or "remove"
-- ARGV[2]  namespace with its colon
-- ARGV[3]  batch size (records examined per call)
-- ARGV[4]  cursor: walk seqs greater than this
-- ARGV[5]  highest seq to touch (records that fail after the operation started are left alone)
-- ARGV[6]  wake-token cap
-- Returns {records handled, next cursor, records examined}.
--#include _failures
local ns, batch = ARGV[2], tonumber(ARGV[3])
local rows = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. ARGV[4], ARGV[5],
  'WITHSCORES', 'LIMIT', 0, batch)
local handled, cursor = 0, ARGV[4]
local pass = tonumber(redis.call('HGET', KEYS[3], 'pass') or '0')
local by_queue = {}  -- queue -> payloads, pushed together after the loop
for i = 1, #rows, 2 do
  local id = rows[i]
  cursor = rows[i + 1]
  local match = true
  for k = 5, #KEYS do
    if not redis.call('ZSCORE', KEYS[k], id) then match = false; break end
  end
  local raw = match and redis.call('HGET', KEYS[1], id)
  if raw then
    local rec = decode_record(raw)
    local ok = true
    if ARGV[1] == 'retry' then
      local payload, queue = original_payload(raw, rec, id), text(rec['queue'])
      ok = payload ~= nil and queue ~= ''
      if ok then
        by_queue[queue] = by_queue[queue] or {}
        table.insert(by_queue[queue], payload)
      end
    end
    if ok then
      index_remove(ns, KEYS[1], id, rec)
      redis.call('ZADD', KEYS[2], pass, id)
      handled = handled + 1
    end
  end
end
for queue, payloads in pairs(by_queue) do
  push_payloads(ns, queue, payloads, tonumber(ARGV[6]))
end
return {handled, cursor, #rows / 2}
