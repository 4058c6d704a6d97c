-- group_close.lua: the group's `with` block has ended: it may end once nothing is pending.
--
-- KEYS[1]  <ns>:dj:group:<id>   hash  open '1' -> '0' (a group that is gone is left alone)
-- ARGV[1..8]  the group settings (_groups.lua)   ARGV[9] group id
-- Returns {ended, held}: ended 1 if the group ended now or had ended, 0 while members or child
-- groups are pending, -1 if it does not exist; held the callbacks held back (JSON, see `hold`).
--#include _groups
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '[]'} end
local g = group_settings(ARGV, 1)
redis.call('HSET', KEYS[1], 'open', '0')
group_settle(g, ARGV[9])
return {redis.call('HEXISTS', KEYS[1], 'finished_at'), cjson.encode(GROUP_FIRED)}
