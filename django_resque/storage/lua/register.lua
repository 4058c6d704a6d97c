-- register.lua: add a worker to `workers` with Ruby's `started` time, its incarnation token and
-- a first heartbeat, in one atomic step (it is never registered without a heartbeat).
--
-- KEYS[1]  <ns>:workers                 set     SADD the worker id
-- KEYS[2]  <ns>:worker:<id>:started     string  SET Ruby's Time#to_s (ARGV[2])
-- KEYS[3]  <ns>:dj:incarnations         hash    worker id -> this incarnation's token
-- KEYS[4]  <ns>:workers:heartbeat       hash    worker id -> ISO-8601 UTC from Redis TIME
-- ARGV[1]  worker id    ARGV[2]  started time    ARGV[3]  incarnation token
--
-- A predecessor's `started` key (same id, a reused pid) is deleted first: on a Redis at
-- maxmemory (noeviction) a script may write once it has deleted, and the workers are what
-- drains a full Redis, so a new one must be able to register; it adds a few hundred bytes.
--#include iso_time
redis.call('DEL', KEYS[2])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[1], iso_utc(redis.call('TIME')))
return 1
