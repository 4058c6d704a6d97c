-- _failures.lua: helpers shared by the failure scripts (included with `--#include _failures`).
--
-- A record django_resque wrote ends with `,"id":"<32 hex>"}`; a record another Resque wrote
-- has no id, so its id is the SHA-1 of its bytes (40 hex), the same in every process.
-- Index keys (Keys.failed_index): the scripts get `<ns>:dj:failed:ix:all` in KEYS (all_key) and
-- the prefix `<ns>:dj:failed:ix:` as an argument (ix_prefix, Keys.failed_index_prefix); a facet
-- key is ix_prefix .. facet .. ':' .. value, for the facets queue, job and exception, whose
-- values are read from the record itself, and group, for a record whose payload names a group
-- (its `group` field, a non-empty string; records of other payloads have no group key).
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

-- The rule of Keys.failed_index: prefix .. facet .. ':' .. value.
local function facet_key(ix_prefix, facet, value)
  return ix_prefix .. facet .. ':' .. value
end

local function facet_keys(ix_prefix, rec)
  local payload = rec['payload']
  local job, group = '', ''
  if type(payload) == 'table' then job, group = text(payload['class']), text(payload['group']) end
  local keys = {
    facet_key(ix_prefix, 'queue', text(rec['queue'])),
    facet_key(ix_prefix, 'job', job),
    facet_key(ix_prefix, 'exception', text(rec['exception'])),
  }
  if group ~= '' then keys[#keys + 1] = facet_key(ix_prefix, 'group', group) end
  return keys
end

local function index_add(all_key, ix_prefix, data_key, seq_key, id, raw, rec)
  local seq = redis.call('INCR', seq_key)
  redis.call('HSET', data_key, id, raw)
  redis.call('ZADD', all_key, seq, id)
  for _, key in ipairs(facet_keys(ix_prefix, rec)) do
    redis.call('ZADD', key, seq, id)
  end
  return seq
end

local function index_remove(all_key, ix_prefix, data_key, id, rec)
  redis.call('HDEL', data_key, id)
  redis.call('ZREM', all_key, id)
  for _, key in ipairs(facet_keys(ix_prefix, rec)) do
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

-- Mark a record removed from the index but still in the failed list, for the next sweep pass.
local function mark_gone(gone_key, sweep_key, id)
  local pass = tonumber(redis.call('HGET', sweep_key, 'pass') or '0')
  redis.call('ZADD', gone_key, pass, id)
end
