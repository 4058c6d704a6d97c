-- remove_payload.lua: remove one queued payload the admin showed, found by its bytes, never by
-- position alone.
--
-- Workers pop from the head while an operator reads a page, so the position shown may have
-- moved left by the time "Remove" is pressed. The script looks for a payload whose SHA-1 is the
-- one shown, at the position shown or up to ARGV[3] places before it, replaces that one element
-- with a marker no payload can equal, and LREMs the marker: exactly one element goes, and only
-- one with those bytes.
--
-- KEYS[1]  <ns>:queue:<q>   list of payloads
-- ARGV[1]  position shown (0 = head)
-- ARGV[2]  SHA-1 hex of the payload's bytes
-- ARGV[3]  how far before the position to look (bounded work)
-- ARGV[4]  <ns>:dj:limit: (Keys.limit_prefix): a removed unique job's lock is released
-- Returns 1 if a payload was removed, 0 if none with those bytes was in the window.
--#include _limits
local index = tonumber(ARGV[1])
local first = math.max(0, index - tonumber(ARGV[3]))
local window = redis.call('LRANGE', KEYS[1], first, index)
for i = #window, 1, -1 do
  if redis.sha1hex(window[i]) == ARGV[2] then
    local marker = '__django_resque_removed__:' .. ARGV[2]
    redis.call('LSET', KEYS[1], first + i - 1, marker)
    redis.call('LREM', KEYS[1], 1, marker)
    lock_release_payload(ARGV[4], window[i])
    return 1
  end
end
return 0
