"""The budget ledger's Lua scripts: one atomic call checks and reserves every applying budget.

Layout per ``(budget, period start)``: a hash ``<prefix>budget:{<workspace>}:<budget>:<start>``
with ``spent`` and ``reserved`` (integer micro-dollars) and a sorted set ``...:r`` of the open
reservations (member ``<id>:<amount>``, score: when it lapses, ms). A reservation whose
replica died lapses and is released by the next script touching the key, so a crash never
holds a budget for good. Keys expire a day after their period ends.
"""

# KEYS: the budgets' hashes. ARGV: now_ms, amount, lapse_ms, member, then per key:
# limit (-1: counted, never refuses), seed, ttl_s (0: no expiry).
# Returns {1, used...} or {0, index, used}.
RESERVE = """
local now = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local lapse = now + tonumber(ARGV[3])
local member = ARGV[4]
local used = {}
for i, key in ipairs(KEYS) do
  local base = 4 + (i - 1) * 3
  local limit = tonumber(ARGV[base + 1])
  local ttl = tonumber(ARGV[base + 3])
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'spent', ARGV[base + 2], 'reserved', 0)
    if ttl > 0 then redis.call('EXPIRE', key, ttl) end
  end
  local open = key .. ':r'
  local lapsed = redis.call('ZRANGEBYSCORE', open, '-inf', now)
  if #lapsed > 0 then
    local sum = 0
    for _, m in ipairs(lapsed) do sum = sum + tonumber(string.match(m, ':(%d+)$')) end
    redis.call('HINCRBY', key, 'reserved', -sum)
    redis.call('ZREMRANGEBYSCORE', open, '-inf', now)
  end
  local state = redis.call('HMGET', key, 'spent', 'reserved')
  local u = tonumber(state[1]) + tonumber(state[2])
  if limit >= 0 and (u >= limit or u + amount > limit) then
    return {0, i, u}
  end
  used[i] = u
end
local out = {1}
for i, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'reserved', amount)
  local open = key .. ':r'
  redis.call('ZADD', open, lapse, member .. ':' .. amount)
  local ttl = tonumber(ARGV[4 + (i - 1) * 3 + 3])
  if ttl > 0 then redis.call('EXPIRE', open, ttl) end
  out[i + 1] = used[i] + amount
end
return out
"""

# KEYS: the hold's hashes. ARGV: member, amount, real. Returns each key's spent after.
SETTLE = """
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('ZREM', key .. ':r', ARGV[1] .. ':' .. ARGV[2]) == 1 then
    -- 0 - n, not -n: a hold of 0 (an unpriced model) would be "-0", which HINCRBY refuses
    redis.call('HINCRBY', key, 'reserved', 0 - tonumber(ARGV[2]))
  end
  out[i] = redis.call('HINCRBY', key, 'spent', tonumber(ARGV[3]))
end
return out
"""

# KEYS: hashes. ARGV per key: database spent, ttl_s. Keeps max(spent, database).
RECONCILE = """
for i, key in ipairs(KEYS) do
  local db = tonumber(ARGV[(i - 1) * 2 + 1])
  local ttl = tonumber(ARGV[(i - 1) * 2 + 2])
  local spent = redis.call('HGET', key, 'spent')
  if spent == false then
    redis.call('HSET', key, 'spent', db, 'reserved', 0)
    if ttl > 0 then redis.call('EXPIRE', key, ttl) end
  elseif tonumber(spent) < db then
    redis.call('HSET', key, 'spent', db)
  end
end
return #KEYS
"""
