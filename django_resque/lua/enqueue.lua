-- enqueue.lua: put one or more payloads on a queue, as every Resque client does, and wake a worker.
--
-- KEYS[1]  <ns>:queues          set   SADD the queue name (Resque: a queue exists once pushed to)
-- KEYS[2]  <ns>:queue:<q>       list  RPUSH each payload (Resque: push right, pop left)
-- KEYS[3]  <ns>:dj:wake:<q>     list  RPUSH one short token per payload so idle workers blocked
--                                     in BLPOP start at once; never more than the cap
-- ARGV[1]  queue name
-- ARGV[2]  wake-token cap (tokens beyond it are dropped; the poll interval covers the rest)
-- ARGV[3..] payload JSON, byte for byte as it must be stored
-- Returns the queue's length after the push.
redis.call('SADD', KEYS[1], ARGV[1])
local length = redis.call('RPUSH', KEYS[2], unpack(ARGV, 3))
local cap = tonumber(ARGV[2])
local tokens = {}
for i = 1, math.min(#ARGV - 2, cap) do
  tokens[i] = '1'
end
if redis.call('RPUSH', KEYS[3], unpack(tokens)) > cap then
  redis.call('LTRIM', KEYS[3], -cap, -1)
end
return length
