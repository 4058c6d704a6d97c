-- group_create.lua: a new group, open until its `with` block ends (group_close.lua).
--
-- KEYS[1]  <ns>:dj:group:<id>      hash  name, created_at, open '1', total/succeeded/failed 0,
--                                        parent, callbacks (JSON {name: [queue, payload]})
-- KEYS[2]  <ns>:dj:groups          zset  id -> created (epoch seconds), for the admin's list
-- KEYS[3]  <ns>:dj:group:<parent>:children       set  optional (a child group): SADD id
-- KEYS[4]  <ns>:dj:group:<parent>:open-children  set  SADD id: the parent waits for it
-- KEYS[5]  <ns>:dj:group:<parent>  hash  the parent, which must exist and not have ended
-- ARGV[1]  id   ARGV[2] name   ARGV[3] created_at (ISO-8601 UTC)   ARGV[4] created (epoch)
-- ARGV[5]  callbacks JSON   ARGV[6] parent id ('' for none)
-- Returns 1; 0 if the id is taken; -1 if the parent is gone or has ended (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[6] ~= '' then
  if redis.call('EXISTS', KEYS[5]) == 0 or redis.call('HEXISTS', KEYS[5], 'finished_at') == 1 then
    return -1
  end
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('SADD', KEYS[4], ARGV[1])
end
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'created_at', ARGV[3], 'open', '1', 'total', 0,
  'succeeded', 0, 'failed', 0, 'parent', ARGV[6], 'callbacks', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
