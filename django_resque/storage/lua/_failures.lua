-- _failures.lua: helpers shared by the failure scripts (included with `--#include _failures`).
--
-- A record django_resque wrote ends with `,"id":"<32 hex>"}`; a record another Resque wrote
-- has no id, so its id is the SHA-1 of its bytes (40 hex), the same in every process.
-- Index keys are `<ns>:dj:failed:ix:all` and `<ns>:dj:failed:ix:<facet>:<value>` with facets
-- queue, job and exception (Keys.failed_index); scripts derive the facet keys from the record.
local function failure_id(raw)
  local tail = string.sub(raw, -41)
  local id = string.match(tail, '^,"id":"(%x+)"}$')
  if id and #id == 32 then return id end
  return redis.sha1hex(raw)
end

local function decode_record(raw)
  local ok, rec = pcall(cjson.decode, raw)
  if ok and type(rec) == 'table' then return rec end
  return {}
end

local function text(value)
  if type(value) == 'string' then return value end
  return ''
end

local function facet_keys(ns, rec)
  local payload = rec['payload']
  local job = ''
  if type(payload) == 'table' then job = text(payload['class']) end
  return {
    ns .. 'dj:failed:ix:queue:' .. text(rec['queue']),
    ns .. 'dj:failed:ix:job:' .. job,
    ns .. 'dj:failed:ix:exception:' .. text(rec['exception']),
  }
end

local function index_add(ns, data_key, seq_key, id, raw, rec)
  local seq = redis.call('INCR', seq_key)
  redis.call('HSET', data_key, id, raw)
  redis.call('ZADD', ns .. 'dj:failed:ix:all', seq, id)
  for _, key in ipairs(facet_keys(ns, rec)) do
    redis.call('ZADD', key, seq, id)
  end
  return seq
end

local function index_remove(ns, data_key, id, rec)
  redis.call('HDEL', data_key, id)
  redis.call('ZREM', ns .. 'dj:failed:ix:all', id)
  for _, key in ipairs(facet_keys(ns, rec)) do
    redis.call('ZREM', key, id)
  end
end

-- The payload to put back on the queue: our records embed it byte for byte between
-- `,"payload":` and the last `,"exception":`; others are rebuilt as Ruby's requeue does.
local function original_payload(raw, rec, id)
  if #id == 32 then
    local start = string.find(raw, ',"payload":', 1, true)
    local last, from = nil, 1
    while true do
      local at = string.find(raw, ',"exception":', from, true)
      if not at then break end
      last, from = at, at + 1
    end
    if start and last and last > start then
      return string.sub(raw, start + 11, last - 1)
    end
  end
  local payload = rec['payload']
  if type(payload) ~= 'table' or type(payload['class']) ~= 'string' then return nil end
  local args = payload['args']
  local encoded = '[]'
  if type(args) == 'table' and next(args) ~= nil then encoded = cjson.encode(args) end
  return '{"class":' .. cjson.encode(payload['class']) .. ',"args":' .. encoded .. '}'
end

-- Put a payload back on its queue the way enqueue.lua does (queues set, list, wake token).
local function push_payload(ns, queue, payload, wake_cap)
  redis.call('SADD', ns .. 'queues', queue)
  redis.call('RPUSH', ns .. 'queue:' .. queue, payload)
  local tokens = redis.call('RPUSH', ns .. 'dj:wake:' .. queue, payload)
  if tokens > wake_cap then
    redis.call('LTRIM', ns .. 'dj:wake:' .. queue, -wake_cap, -1)
  end
end

-- The same for many payloads of one queue, in slices (Lua's stack takes a few thousand args).
local function push_payloads(ns, queue, payloads, wake_cap)
  redis.call('SADD', ns .. 'queues', queue)
  for i = 1, #payloads, 1000 do
    local last = math.min(i + 999, #payloads)
    redis.call('RPUSH', ns .. 'queue:' .. queue, unpack(payloads, i, last))
    redis.call('RPUSH', ns .. 'dj:wake:' .. queue, unpack(payloads, i, last))
  end
  if redis.call('LLEN', ns .. 'dj:wake:' .. queue) > wake_cap then
    redis.call('LTRIM', ns .. 'dj:wake:' .. queue, -wake_cap, -1)
  end
end

-- Mark a record removed from the index but still in the failed list, for the next sweep pass.
local function mark_gone(gone_key, sweep_key, id)
  local pass = tonumber(redis.call('HGET', sweep_key, 'pass') or '0')
  redis.call('ZADD', gone_key, pass, id)
end
