"""The Lua scripts of the Redis limiter: each operation is one script, so it is atomic.

Layout per limited key (the braces keep both keys in one Redis Cluster slot)::

    <prefix>tpm:{<key>}:z   sorted set   member -> reservation time (µs, Redis clock)
    <prefix>tpm:{<key>}:h   hash         member -> tokens counted, and "=used" -> their sum

Time comes from Redis's ``TIME`` inside the script, so replicas with skewed clocks still share
one window. Reservations older than the window are evicted at the start of every script that
reads the sum (each leaves once, so the work is amortised), and both keys expire a little after
the window so an idle deployment leaves nothing behind.

Numbers written back to Redis go through ``string.format('%d')``: Lua 5.1 turns numbers into
strings with 14 significant digits, which would round a microsecond timestamp.
"""

from __future__ import annotations

_COMMON = """
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function evict(z, h, cutoff)
  while true do
    local bound = string.format('%d', cutoff)
    local gone = redis.call('ZRANGEBYSCORE', z, '-inf', bound, 'LIMIT', 0, 256)
    if #gone == 0 then return end
    local amounts = redis.call('HMGET', h, unpack(gone))
    local freed = 0
    for i = 1, #amounts do freed = freed + (tonumber(amounts[i]) or 0) end
    redis.call('ZREM', z, unpack(gone))
    redis.call('HDEL', h, unpack(gone))
    redis.call('HINCRBY', h, '=used', string.format('%d', -freed))
  end
end

local function used_of(h)
  return math.max(tonumber(redis.call('HGET', h, '=used') or '0'), 0)
end
"""

RESERVE = (
    _COMMON
    + """
-- KEYS: z, h. ARGV: tokens, limit, window (µs), member, ttl (ms).
-- Returns {1, 0} when admitted, {0, µs until the request would fit} when refused.
local tokens, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_us()
evict(KEYS[1], KEYS[2], now - window)
local used = used_of(KEYS[2])
if used == 0 or used + tokens <= limit then
  redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[1])
  redis.call('HINCRBY', KEYS[2], '=used', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  return {1, 0}
end
-- Refused: walk the oldest reservations until enough of them would have left.
local target = math.max(limit - tokens, 0)
local left, offset = used, 0
while true do
  local batch = redis.call('ZRANGE', KEYS[1], offset, offset + 255, 'WITHSCORES')
  if #batch == 0 then break end
  local members = {}
  for i = 1, #batch, 2 do members[#members + 1] = batch[i] end
  local amounts = redis.call('HMGET', KEYS[2], unpack(members))
  for i = 1, #members do
    left = left - (tonumber(amounts[i]) or 0)
    if left <= target then
      return {0, math.max(tonumber(batch[2 * i]) + window - now, 0)}
    end
  end
  offset = offset + 256
end
return {0, window}
"""
)

SETTLE = """
-- KEYS: z, h. ARGV: member, actual tokens. A reservation that already aged out is left alone.
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], '=used', string.format('%d', tonumber(ARGV[2]) - tonumber(old)))
return 1
"""

USED = (
    _COMMON
    + """
-- KEYS: z, h. ARGV: window (µs). Returns the tokens counted in the window.
evict(KEYS[1], KEYS[2], now_us() - tonumber(ARGV[1]))
return used_of(KEYS[2])
"""
)

HEARTBEAT = """
-- KEYS: replicas. ARGV: replica id, seen window (µs), ttl (ms).
-- Registers this replica and returns how many were seen within the window.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('ZCARD', KEYS[1])
"""
