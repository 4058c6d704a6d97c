-- take.lua: take the next payload off one queue without a worker (tests and tools), in the
-- order reserve.lua takes it (_priority.lua).
--
-- KEYS[1]  <ns>:queue:<q>           list
-- KEYS[2]  <ns>:dj:priority:<q>     zset of prioritised payloads (see enqueue_priority.lua)
-- ARGV[1]  the slot marker older versions put in lists for prioritised payloads
-- Returns the payload, or false when the queue is empty.
--#include _priority
return take_next(KEYS[1], KEYS[2], ARGV[1], true)
