-- status_start.lua: a worker starts an attempt of a job that keeps a status hash.
--
-- KEYS[1]  <ns>:dj:job:<id>  hash  status=running, started_at, attempts+1, worker id appended
-- ARGV[1]  started_at, ISO-8601 UTC
-- ARGV[2]  worker id
-- A job whose hash is gone (store_result=False, or expired) gets none: nothing is written.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local ids = redis.call('HGET', KEYS[1], 'worker_ids')
local list = {}
if ids then
  local ok, decoded = pcall(cjson.decode, ids)
  if ok and type(decoded) == 'table' then list = decoded end
end
list[#list + 1] = ARGV[2]
redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[1],
  'worker_ids', cjson.encode(list))
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('PERSIST', KEYS[1])
return 1
