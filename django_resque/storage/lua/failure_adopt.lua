-- failure_adopt.lua: index records other Resque implementations pushed at the newest end.
--
-- Ruby, PHP and Node RPUSH failures without our index; they land at the tail, so looking at
-- the newest ARGV[2] records finds them. Cheap when nothing is foreign: the list is then
-- exactly as long as the index plus the records waiting for the sweep.
-- KEYS[1]  <ns>:failed  KEYS[2]  <ns>:dj:failed:data  KEYS[3]  <ns>:dj:failed:gone
-- KEYS[4]  <ns>:dj:failed:seq  KEYS[5]  <ns>:dj:failed:ix:all
-- ARGV[1]  <ns>:dj:failed:ix:  facet index prefix (Keys.failed_index_prefix; see _failures.lua)
-- ARGV[2]  how many of the newest records to look at
-- Returns {records indexed, records still unaccounted for after this call}.
--#include _failures
local drift = redis.call('LLEN', KEYS[1]) - redis.call('HLEN', KEYS[2]) - redis.call('ZCARD', KEYS[3])
if drift <= 0 then return {0, 0} end
local adopted = 0
local raws = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[2]), -1)
for i = #raws, 1, -1 do
  local id = failure_id(raws[i])
  if redis.call('HEXISTS', KEYS[2], id) == 0 and not redis.call('ZSCORE', KEYS[3], id) then
    index_add(KEYS[5], ARGV[1], KEYS[2], KEYS[4], id, raws[i], decode_record(raws[i]))
    adopted = adopted + 1
    if adopted >= drift then break end
  end
end
return {adopted, drift - adopted}
