-- _limits.lua: unique locks, concurrency slots and rate windows (`--#include _limits`).
--
-- A payload with limits carries them in its `limits` field (limits/spec.py writes it):
--   {"lock":  {"key": k, "until": "executing"|"executed", "ttl": seconds},
--    "slots": [{"key": k, "max": n}, ...],      concurrency, and while_executing as max 1
--    "rate":  {"key": k, "max": n, "per": seconds}}
-- Under LP (Keys.limit_prefix, `<ns>:dj:limit:`) they are these keys (Keys.limit_*):
--   LP .. 'lock:' .. k          string  the id of the job holding the lock; EXPIRE ttl
--   LP .. 'slots:' .. k         hash    worker id -> id of the job it runs (a held slot), and
--                                       '~' .. job id -> deadline ms (a slot handed to a job
--                                       released from waiting, until a worker takes it)
--   LP .. 'rate:' .. k          zset    one member per start in the window -> start ms; a
--                                       released job's '~' .. id counts from its release
--   LP .. 'wait:slots:' .. k    list    `<queue>\n<payload>` of jobs waiting for a slot
--   LP .. 'wait:rate:' .. k     list    the same, waiting for the rate window
--   LP .. 'max'                 hash    'slots:' .. k -> n, 'rate:' .. k -> 'n/per', while
--                                       jobs wait there (the tick needs them)
--   LP .. 'due'                 zset    'slots:' .. k / 'rate:' .. k -> ms at which the tick
--                                       (limit_tick.lua) looks at that limit again
-- A slot is held by a worker id and names the job, so a worker pruned as dead loses its slot
-- in the requeue that puts the job back, and a pruned worker that comes back finds nothing of
-- its own to release. Every key either expires or is deleted once empty.
--
-- Scripts pass the limit settings as five ARGV values (limits.settings.script_args()):
--   LP  <ns>:dj:limit:   QS  <ns>:queues   QP  <ns>:queue:   WP  <ns>:dj:wake:   cap
--#include _push

local LIMIT_SETTINGS = 5
local CLAIM_MS = 300000  -- how long a slot waits for the released job it was handed to

local function limit_settings(argv, at)
  return {lp = argv[at], qs = argv[at + 1], qp = argv[at + 2], wp = argv[at + 3],
    cap = tonumber(argv[at + 4])}
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function is_key(v) return type(v) == 'string' and v ~= '' and #v <= 1024 end
local function is_count(v) return type(v) == 'number' and v >= 1 and v <= 1e9 and v % 1 == 0 end
local function is_seconds(v) return type(v) == 'number' and v > 0 and v <= 1e9 end

-- Whether a `limits` field has the shape spec.py writes, so that no script can fail on it
-- half way (a script that fails keeps the writes it made, a popped payload among them).
local function well_formed(spec)
  local lock, slots, rate = spec['lock'], spec['slots'], spec['rate']
  if lock ~= nil and not (type(lock) == 'table' and is_key(lock['key'])
      and (lock['until'] == 'executing' or lock['until'] == 'executed')
      and is_seconds(lock['ttl'])) then
    return false
  end
  if slots ~= nil then
    if type(slots) ~= 'table' or #slots > 8 then return false end
    for _, s in ipairs(slots) do
      if type(s) ~= 'table' or not is_key(s['key']) or not is_count(s['max']) then return false end
    end
  end
  return rate == nil or (type(rate) == 'table' and is_key(rate['key'])
    and is_count(rate['max']) and is_count(rate['per']))
end

-- The limits a job holds: a decoded payload's `limits` field, or that field's JSON text as
-- the worker passes it; nil when there are none, or when they are not as spec.py writes them
-- (a payload with a hostile field runs as if it had no limits).
local function limits_of(payload)
  local spec = payload
  if type(payload) == 'string' then
    if payload == '' then return nil end
    local ok, decoded = pcall(cjson.decode, payload)
    spec = ok and decoded or nil
  else
    spec = payload['limits']
  end
  if type(spec) ~= 'table' or not well_formed(spec) then return nil end
  return spec
end

-- Release job `id`'s lock (compare and delete: a lock another copy took meanwhile stays).
local function lock_release(l, lock, id)
  if type(lock) ~= 'table' or type(lock['key']) ~= 'string' then return end
  local key = l.lp .. 'lock:' .. lock['key']
  if redis.call('GET', key) == id then redis.call('DEL', key) end
end

-- Release the lock of a payload (its JSON) taken off a queue or the delayed set for good.
local function lock_release_payload(lp, raw)
  local ok, decoded = pcall(cjson.decode, raw)
  if not ok or type(decoded) ~= 'table' or type(decoded['id']) ~= 'string' then return end
  local spec = limits_of(decoded)
  if spec then lock_release({lp = lp}, spec['lock'], decoded['id']) end
end

-- Make job `id`'s lock last `extra_ms` beyond its ttl from now (a retry that waits).
local function lock_extend(l, lock, id, extra_ms)
  if type(lock) ~= 'table' or type(lock['key']) ~= 'string' then return end
  local key = l.lp .. 'lock:' .. lock['key']
  if redis.call('GET', key) == id then
    redis.call('PEXPIRE', key, math.floor(tonumber(lock['ttl']) * 1000 + extra_ms))
  end
end

local function item_id(item)
  local cut = string.find(item, '\n', 1, true)
  if not cut then return nil, nil, nil end
  local raw = string.sub(item, cut + 1)
  local ok, decoded = pcall(cjson.decode, raw)
  local id = ok and type(decoded) == 'table' and decoded['id'] or nil
  return string.sub(item, 1, cut - 1), raw, type(id) == 'string' and id or nil
end

-- Take the oldest job waiting on limit `k` into `released` (`claim` records what it was
-- handed); false when none waits.
local function release_waiting(l, kind, k, claim, released)
  local wait = l.lp .. 'wait:' .. kind .. ':' .. k
  local item = redis.call('LPOP', wait)
  if not item then return false end
  local queue, raw, id = item_id(item)
  if queue then
    if id then claim(id) end
    released[#released + 1] = {queue, raw}
  end
  if redis.call('LLEN', wait) == 0 then redis.call('HDEL', l.lp .. 'max', kind .. ':' .. k) end
  return true
end

-- Put released jobs at the head of their queues, woken, the oldest first in line.
local function push_released(l, released)
  for i = #released, 1, -1 do
    local queue, raw = released[i][1], released[i][2]
    push_and_wake(l.qs, l.qp .. queue, l.wp .. queue, queue, {raw}, 1, 1, l.cap, true)
  end
end

-- Drop slots whose holder is gone: a worker no longer registered (dj:incarnations), or a
-- claim past its deadline. A live worker's slot is never dropped here.
local function slots_reap(l, key, incarnations, now)
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    local field, value = fields[i], fields[i + 1]
    if string.sub(field, 1, 1) == '~' then
      if tonumber(value) < now then redis.call('HDEL', key, field) end
    elseif redis.call('HEXISTS', incarnations, field) == 0 then
      redis.call('HDEL', key, field)
    end
  end
end

-- Hand free slots of `k` to the jobs waiting for them, oldest first.
local function slots_hand_off(l, k, max, now)
  local key = l.lp .. 'slots:' .. k
  local released = {}
  local claim = function(id) redis.call('HSET', key, '~' .. id, now + CLAIM_MS) end
  while redis.call('HLEN', key) < max do
    if not release_waiting(l, 'slots', k, claim, released) then break end
  end
  push_released(l, released)
  if #released > 0 then redis.call('ZADD', l.lp .. 'due', 'LT', now + CLAIM_MS, 'slots:' .. k) end
end

-- Start as many jobs waiting on rate window `k` as it has room for; look again when the
-- oldest start leaves the window.
local function rate_hand_off(l, k, max, per_ms, now)
  local key = l.lp .. 'rate:' .. k
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - per_ms)
  local released = {}
  local claim = function(id) redis.call('ZADD', key, now, '~' .. id) end
  while redis.call('ZCARD', key) < max do
    if not release_waiting(l, 'rate', k, claim, released) then break end
  end
  push_released(l, released)
  redis.call('PEXPIRE', key, per_ms)
  if redis.call('EXISTS', l.lp .. 'wait:rate:' .. k) == 1 then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local at = oldest[2] and tonumber(oldest[2]) + per_ms or now
    redis.call('ZADD', l.lp .. 'due', 'LT', at, 'rate:' .. k)
  end
end

-- Put a payload that is over a limit on that limit's waiting list (in order of arrival).
local function divert(l, kind, k, max_text, item)
  redis.call('RPUSH', l.lp .. 'wait:' .. kind .. ':' .. k, item)
  redis.call('HSET', l.lp .. 'max', kind .. ':' .. k, max_text)
end

-- Give up the slots handed to job `id` (it must wait again): the next in line gets them.
local function drop_claims(l, slots, id, now)
  for _, s in ipairs(slots) do
    if redis.call('HDEL', l.lp .. 'slots:' .. s['key'], '~' .. id) == 1 then
      slots_hand_off(l, s['key'], s['max'], now)
    end
  end
end

-- Decide whether the payload just taken by worker `wid` may start. If it may, take its slots
-- and its start in the rate window (and drop an until_executing lock) and return true;
-- otherwise put it on the waiting list of the first limit it is over and return false.
local function limits_admit(l, spec, wid, id, item, incarnations, now)
  local slots = type(spec['slots']) == 'table' and spec['slots'] or {}
  for _, s in ipairs(slots) do
    local key = l.lp .. 'slots:' .. s['key']
    if redis.call('HEXISTS', key, '~' .. id) == 0 then
      if redis.call('HLEN', key) >= s['max'] then slots_reap(l, key, incarnations, now) end
      if redis.call('HLEN', key) >= s['max'] then
        drop_claims(l, slots, id, now)
        divert(l, 'slots', s['key'], s['max'], item)
        return false
      end
    end
  end
  local rate = spec['rate']
  if type(rate) == 'table' then
    local key, per_ms = l.lp .. 'rate:' .. rate['key'], rate['per'] * 1000
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - per_ms)
    if not redis.call('ZSCORE', key, '~' .. id) and redis.call('ZCARD', key) >= rate['max'] then
      drop_claims(l, slots, id, now)
      divert(l, 'rate', rate['key'], rate['max'] .. '/' .. rate['per'], item)
      rate_hand_off(l, rate['key'], rate['max'], per_ms, now)
      return false
    end
    redis.call('ZREM', key, '~' .. id)
    redis.call('ZADD', key, now, id .. '@' .. now)
    redis.call('PEXPIRE', key, per_ms)
  end
  for _, s in ipairs(slots) do
    local key = l.lp .. 'slots:' .. s['key']
    redis.call('HDEL', key, '~' .. id)
    redis.call('HSET', key, wid, id)
  end
  local lock = spec['lock']
  if type(lock) == 'table' and lock['until'] == 'executing' then lock_release(l, lock, id) end
  return true
end

-- Free what job `id` held while worker `wid` ran it, and hand the slots on. `final`: the job
-- is done for good (succeeded, or failed with no attempt left), so its lock goes too.
local function limits_release(l, spec, wid, id, final)
  local now = nil
  local slots = type(spec['slots']) == 'table' and spec['slots'] or {}
  for _, s in ipairs(slots) do
    local key = l.lp .. 'slots:' .. s['key']
    if redis.call('HGET', key, wid) == id then
      redis.call('HDEL', key, wid)
      now = now or now_ms()
      slots_hand_off(l, s['key'], s['max'], now)
    end
  end
  if final then lock_release(l, spec['lock'], id) end
end
