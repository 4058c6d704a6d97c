-- _groups.lua: a group's members and its end (`--#include _groups`), decided by id in sets.
--
-- A group <id> is the hash GP .. id (Keys.group) and the sets GP .. id .. ':pending', ':failed',
-- ':children' and ':open-children' (Keys.group_pending, ...), where GP is Keys.group_prefix.
-- A member's id joins ':pending' when it is pushed and leaves it once its final outcome is
-- recorded. SREM answers 1 only the first time, so a member recorded twice (a redelivered job)
-- counts once. A group ends when it is closed (its `with` block is over, `open` = '0'), no
-- member is pending and no child group is unfinished; then, once (HSETNX finished_at), its
-- callbacks are pushed as ordinary payloads, its keys get their TTL, and its parent is told.
--
-- Scripts pass the group settings as eight ARGV values in this order (groups.script_args()):
--   GP  <ns>:dj:group:   QS  <ns>:queues   QP  <ns>:queue:   WP  <ns>:dj:wake:
--   cap (wake tokens)    ttl (seconds a finished group is kept)    now (ISO-8601 UTC)
--   hold: '1' in INLINE mode, where callbacks are not pushed but returned (GROUP_FIRED), to be
--         performed by the caller; else '0'
--#include _push

local GROUP_SETTINGS = 8
local GROUP_FIRED = {}  -- {queue, payload} of the callbacks held back (hold = '1')

local function group_settings(argv, at)
  return {gp = argv[at], qs = argv[at + 1], qp = argv[at + 2], wp = argv[at + 3],
    cap = tonumber(argv[at + 4]), ttl = tonumber(argv[at + 5]), now = argv[at + 6],
    hold = argv[at + 7] == '1'}
end

-- Add member ids to a group that exists and has not ended; returns how many joined.
local function group_join(g, gid, ids)
  if gid == nil or gid == '' or #ids == 0 then return 0 end
  local key = g.gp .. gid
  if redis.call('EXISTS', key) == 0 or redis.call('HEXISTS', key, 'finished_at') == 1 then
    return 0
  end
  local added = 0
  for i = 1, #ids, 1000 do
    added = added + redis.call('SADD', key .. ':pending', unpack(ids, i, math.min(i + 999, #ids)))
  end
  redis.call('HINCRBY', key, 'total', added)
  return added
end

-- The id of a payload (`id`) and its group (`group`), or nil for JSON without them.
local function group_of(raw)
  local ok, decoded = pcall(cjson.decode, raw)
  if not ok or type(decoded) ~= 'table' then return nil, nil end
  local gid, id = decoded['group'], decoded['id']
  if type(gid) ~= 'string' or type(id) ~= 'string' or gid == '' or id == '' then return nil, nil end
  return gid, id
end

local function fire_callbacks(g, key)
  local text = redis.call('HGET', key, 'callbacks')
  if not text then return end
  local ok, callbacks = pcall(cjson.decode, text)
  if not ok or type(callbacks) ~= 'table' then return end
  local failed = tonumber(redis.call('HGET', key, 'failed') or '0') > 0
  local names = failed and {'on_failure', 'on_complete'} or {'on_success', 'on_complete'}
  local fired = {}
  for _, name in ipairs(names) do
    local callback = callbacks[name]
    if type(callback) == 'table' and type(callback[1]) == 'string' and type(callback[2]) == 'string' then
      local queue = callback[1]
      if g.hold then
        GROUP_FIRED[#GROUP_FIRED + 1] = {queue, callback[2]}
      else
        push_and_wake(g.qs, g.qp .. queue, g.wp .. queue, queue, {callback[2]}, 1, 1, g.cap, false)
      end
      fired[#fired + 1] = name
    end
  end
  redis.call('HSET', key, 'fired', cjson.encode(fired))
end

local SUFFIXES = {'', ':pending', ':failed', ':children', ':open-children'}

-- End the group if nothing keeps it open, then its parent if that was the last thing it
-- waited for, and so on up.
local function group_settle(g, gid)
  while gid and gid ~= '' do
    local key = g.gp .. gid
    if redis.call('HGET', key, 'open') ~= '0' then return end
    if redis.call('SCARD', key .. ':pending') > 0 then return end
    if redis.call('SCARD', key .. ':open-children') > 0 then return end
    if redis.call('HSETNX', key, 'finished_at', g.now) == 1 then
      fire_callbacks(g, key)
    end
    for _, suffix in ipairs(SUFFIXES) do
      redis.call('EXPIRE', key .. suffix, g.ttl)
    end
    local parent = redis.call('HGET', key, 'parent')
    if not parent or parent == '' then return end
    redis.call('SREM', g.gp .. parent .. ':open-children', gid)
    gid = parent
  end
end

-- Record a member's final outcome (ok: succeeded; else failed) and end its group if it was
-- the last. A member recorded before, or of a group that is gone, changes nothing.
local function group_done(g, gid, id, ok)
  if gid == nil or gid == '' or id == nil or id == '' then return end
  local key = g.gp .. gid
  if redis.call('SREM', key .. ':pending', id) == 0 then return end
  if ok then
    redis.call('HINCRBY', key, 'succeeded', 1)
  else
    redis.call('HINCRBY', key, 'failed', 1)
    redis.call('SADD', key .. ':failed', id)
  end
  group_settle(g, gid)
end

-- A member that failed for good is retried (from the failed list): it is pending again.
-- Callbacks that already ran do not run again; the group's keys keep no TTL until it ends.
local function group_reopen(g, gid, id)
  if gid == nil or id == nil then return end
  local key = g.gp .. gid
  if redis.call('SREM', key .. ':failed', id) == 0 then return end
  redis.call('HINCRBY', key, 'failed', -1)
  redis.call('SADD', key .. ':pending', id)
  for _, suffix in ipairs(SUFFIXES) do
    redis.call('PERSIST', key .. suffix)
  end
end
