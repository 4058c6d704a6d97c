-- reserve.lua: count the job just finished, then take the next payload and record it in flight.
--
-- Taking a payload off its queue and writing the worker's in-flight record (Resque's
-- `worker:<id>` "working on" JSON) happen in this one script, so there is no moment at which a
-- reserved payload exists nowhere: a worker killed at any point leaves it either on the queue or
-- in its record, where recovery finds it.
--
-- KEYS[1]  <ns>:worker:<id>            string  in-flight record; SET when a payload is taken,
--                                              DEL when the queues are empty
-- KEYS[2]  <ns>:stat:processed         string  INCRBY ARGV[1] (jobs finished since last call)
-- KEYS[3]  <ns>:stat:processed:<id>    string  INCRBY ARGV[1]
-- KEYS[4]  <ns>:pause-all-workers      string  "true" (any case, trimmed) -> take nothing
-- KEYS[5]  <ns>:dj:paused              set     queue names that are paused -> skipped
-- KEYS[6 .. 5+n]        <ns>:queue:<q>    lists, in the worker's priority order
-- KEYS[6+n .. 5+2n]     <ns>:dj:wake:<q>  wake-token lists of the same queues
-- KEYS[#KEYS]  <ns>:dj:stat:processed:minute:<m>  string  INCRBY ARGV[1], EXPIRE 90000
--                                              (= timeline.RETENTION_SECONDS; admin chart)
-- ARGV[1]  jobs finished since the last call (0 or more), counted in the two stat keys
-- ARGV[2]  run_at, UTC ISO-8601 as Ruby writes it
-- ARGV[3 .. 2+n] queue names, in the order of KEYS[6 ..]
-- Returns {queue name, payload} or false when every queue is empty, paused, or all are paused.
local finished = tonumber(ARGV[1])
if finished > 0 then
  redis.call('INCRBY', KEYS[2], finished)
  redis.call('INCRBY', KEYS[3], finished)
  redis.call('INCRBY', KEYS[#KEYS], finished)
  redis.call('EXPIRE', KEYS[#KEYS], 90000)
end
local pause = redis.call('GET', KEYS[4])
if pause and string.lower(string.gsub(pause, '^%s*(.-)%s*$', '%1')) == 'true' then
  redis.call('DEL', KEYS[1])
  return false
end
local n = #ARGV - 2
for i = 1, n do
  local name = ARGV[2 + i]
  if redis.call('SISMEMBER', KEYS[5], name) == 0 then
    local raw = redis.call('LPOP', KEYS[5 + i])
    if raw then
      local ok, decoded = pcall(cjson.decode, raw)
      local payload = raw
      if not ok or type(decoded) ~= 'table' then
        payload = cjson.encode(raw)  -- keep the record valid JSON: store a bad payload as a string
      end
      redis.call('SET', KEYS[1],
        '{"queue":' .. cjson.encode(name) .. ',"run_at":"' .. ARGV[2] .. '","payload":' .. payload .. '}')
      return {name, raw}
    end
  end
end
-- Every queue is empty: stale wake tokens would only cause idle spins, so drop them.
for i = 1, n do
  redis.call('DEL', KEYS[5 + n + i])
end
redis.call('DEL', KEYS[1])
return false
