-- failure_sweep.lua: one bounded step of a pass over the failed list.
--
-- A pass visits every record once, oldest first: it pops a batch from the head and pushes back
-- to the tail what is kept, so Ruby's tools always see a complete list. It drops records whose
-- id is in `gone` (retried or removed through the index) and indexes records it does not know
-- (written by Ruby, PHP or Node). A pass starts when `gone` is not empty, or when forced.
-- At the end of pass P, ids marked gone before P began and not found are forgotten.
-- KEYS[1]  <ns>:failed            list
-- KEYS[2]  <ns>:dj:failed:data    hash  id -> record
-- KEYS[3]  <ns>:dj:failed:gone    zset  id -> pass in which it was marked
-- KEYS[4]  <ns>:dj:failed:sweep   hash  remaining (records left in this pass), pass (number)
-- KEYS[5]  <ns>:dj:failed:seq     string
-- KEYS[6]  <ns>:dj:failed:ix:all  zset  id -> seq
-- ARGV[1]  batch size
-- ARGV[2]  <ns>:dj:failed:ix:  facet index prefix (Keys.failed_index_prefix; see _failures.lua)
-- ARGV[3]  "1" to start a pass even if nothing is gone (a full re-index)
-- ARGV[4]  with ARGV[3]: the drift (list length minus index) that prompts it, or "" to always run
-- Returns the records left in the current pass (0: no pass is running).
--#include _failures
local ix_prefix = ARGV[2]
local remaining = tonumber(redis.call('HGET', KEYS[4], 'remaining') or '0')
if remaining <= 0 then
  local gone = redis.call('ZCARD', KEYS[3])
  if gone == 0 then
    if ARGV[3] ~= '1' then return 0 end
    -- a forced pass for the same unexplained drift already ran (e.g. two foreign records with
    -- identical bytes share an id): running it again would find nothing new
    if ARGV[4] ~= '' and redis.call('HGET', KEYS[4], 'drift') == ARGV[4] then return 0 end
    redis.call('HSET', KEYS[4], 'drift', ARGV[4])
  end
  remaining = redis.call('LLEN', KEYS[1])
  redis.call('HINCRBY', KEYS[4], 'pass', 1)
end
local raws = redis.call('LRANGE', KEYS[1], 0, math.min(tonumber(ARGV[1]), remaining) - 1)
local n = #raws
if n == 0 then remaining = 0 end
redis.call('LTRIM', KEYS[1], n, -1)
local keep, dropped = {}, {}
for _, raw in ipairs(raws) do
  local id = failure_id(raw)
  if redis.call('ZSCORE', KEYS[3], id) then
    dropped[#dropped + 1] = id
  else
    if redis.call('HEXISTS', KEYS[2], id) == 0 then
      index_add(KEYS[6], ix_prefix, KEYS[2], KEYS[5], id, raw, decode_record(raw))
    end
    keep[#keep + 1] = raw
  end
end
-- unpack in slices: Lua's C stack takes a few thousand arguments at most
for i = 1, #keep, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(keep, i, math.min(i + 999, #keep)))
end
for i = 1, #dropped, 1000 do
  redis.call('ZREM', KEYS[3], unpack(dropped, i, math.min(i + 999, #dropped)))
end
remaining = math.max(0, remaining - n)
redis.call('HSET', KEYS[4], 'remaining', remaining)
if remaining == 0 then
  local pass = tonumber(redis.call('HGET', KEYS[4], 'pass'))
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. pass)
end
return remaining
