-- group_member.lua: one member's join or final outcome, for the paths that record it outside
-- the worker's own scripts (INLINE mode, testing.perform_enqueued, recovery's failures).
--
-- KEYS[1]  group(id): not read here; it names the namespace's slot, so a Redis Cluster client
--           routes the call (the group's keys are built from ARGV's prefix, _groups.lua)
-- ARGV[1..8]  the group settings (_groups.lua)
-- ARGV[9]  mode: "join", "ok" or "failed"   ARGV[10] group id   ARGV[11] member id
-- Returns the callbacks held back (JSON list of [queue, payload]; see `hold`).
--#include _groups
local g = group_settings(ARGV, 1)
if ARGV[9] == 'join' then
  group_join(g, ARGV[10], {ARGV[11]})
else
  group_done(g, ARGV[10], ARGV[11], ARGV[9] == 'ok')
end
return cjson.encode(GROUP_FIRED)
