-- _push.lua: push payloads on a queue and wake a waiting worker (`--#include _push`).
--
-- Every script that puts a payload on a queue (enqueue, enqueue_priority, requeue, the retry,
-- delayed, schedule and failure paths) calls push_and_wake, so a queue is always pushed to the
-- same way: SADD the name to the queues set, push the payloads, and RPUSH one wake token per
-- payload on the queue's wake list (Keys.wake) while it holds fewer than `cap` tokens. Workers
-- blocked in BLPOP on that list start at once; pushes beyond the cap are left to the poll.
--
-- The token is always WAKE_TOKEN. A worker only learns from BLPOP that a token came and never
-- reads its bytes, so an element of any other content in a wake list wakes it the same way.
local WAKE_TOKEN = '1'

-- Note `count` new payloads of `queue` (SADD it to the queues set) and RPUSH that many wake
-- tokens, up to `cap` in the wake list.
local function wake(queues_key, wake_key, queue, count, cap)
  redis.call('SADD', queues_key, queue)
  count = math.min(count, cap - redis.call('LLEN', wake_key))
  if count > 0 then  -- a full wake list gets no push and needs no trim
    local tokens = {}
    for i = 1, math.min(count, 1000) do tokens[i] = WAKE_TOKEN end
    for i = 1, count, 1000 do
      redis.call('RPUSH', wake_key, unpack(tokens, 1, math.min(1000, count - i + 1)))
    end
  end
end

-- Push list[first .. last] on queue_key (RPUSH, or LPUSH when `head`: the last ends first) and
-- wake; returns the queue's length. Pushes in slices: Lua's stack takes a few thousand values.
local function push_and_wake(queues_key, queue_key, wake_key, queue, list, first, last, cap, head)
  local push = head and 'LPUSH' or 'RPUSH'
  local length = 0
  for i = first, last, 1000 do
    length = redis.call(push, queue_key, unpack(list, i, math.min(i + 999, last)))
  end
  wake(queues_key, wake_key, queue, last - first + 1, cap)
  return length
end
