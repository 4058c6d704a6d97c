-- failure_query.lua: a page of failure records, newest first, or one counting step.
--
-- With no filter or one facet, a page is a rank range of that index: O(log N + limit). With
-- several facets, the smallest index is walked newest first and each id is checked in the
-- others (ZSCORE, O(1)); ARGV[4] caps how many ids one call may examine.
-- KEYS[1]  <ns>:dj:failed:data  hash id -> record
-- KEYS[2]  index to walk (ix:all or the filter's smallest facet index)
-- KEYS[3..] other facet indexes of the filter
-- ARGV[1]  "page" or "count"
-- ARGV[2]  page: matches to skip; count: rank (newest first) where this step starts
-- ARGV[3]  page: records wanted; count: ids to examine in this step
-- ARGV[4]  page: most ids to examine
-- Returns page: {id, record, id, record, ...}; count: {matches, ids examined}.
local function matches(id)
  for k = 3, #KEYS do
    if not redis.call('ZSCORE', KEYS[k], id) then return false end
  end
  return true
end

if ARGV[1] == 'count' then
  local start = tonumber(ARGV[2])
  local ids = redis.call('ZREVRANGE', KEYS[2], start, start + tonumber(ARGV[3]) - 1)
  local found = 0
  for _, id in ipairs(ids) do
    if matches(id) then found = found + 1 end
  end
  return {found, #ids}
end

local skip, want, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ids = {}
if #KEYS == 2 then
  ids = redis.call('ZREVRANGE', KEYS[2], skip, skip + want - 1)
else
  local rank, chunk = 0, 500
  while #ids < want and rank < budget do
    local batch = redis.call('ZREVRANGE', KEYS[2], rank, rank + chunk - 1)
    if #batch == 0 then break end
    for _, id in ipairs(batch) do
      if #ids < want and matches(id) then
        if skip > 0 then skip = skip - 1 else ids[#ids + 1] = id end
      end
    end
    rank = rank + chunk
  end
end
local out = {}
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[1], id)
  if raw then
    out[#out + 1] = id
    out[#out + 1] = raw
  end
end
return out
