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

# Replicas: one hash, replica id -> "beat share hold_until hold_share left" (integers; times in µs
# of Redis's clock). ``share`` is the denominator the replica enforces locally if it loses
# Redis (recorded at each beat); ``hold_until``/``hold_share`` keep a replica that just came
# back counted at the share it used while cut off, for one window; ``left`` marks a replica
# that closed during such a hold.
_REPLICA = """
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function parse(value)
  local f = {}
  for n in string.gmatch(value, '%d+') do f[#f + 1] = tonumber(n) end
  return f[1] or 0, f[2] or 1, f[3] or 0, f[4] or 1, f[5] or 0
end
"""

HEARTBEAT = (
    _REPLICA
    + """
-- KEYS: replicas. ARGV: id, seen (µs), forget (µs), expected (0: unset), hold (µs), hold share,
-- ttl (ms). Registers this replica; returns {share, granted (ppm of each limit), known, alive}.
local me, seen, forget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local expected, hold, hold_share = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_us()
local my_hold, my_hold_share = 0, 1
local known, alive, silent = 1, 1, 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local id = entries[i]
  local beat, share, held, held_share, left = parse(entries[i + 1])
  if id == me then
    my_hold, my_hold_share = held, held_share
  elseif beat < now - forget or (left == 1 and held <= now) then
    redis.call('HDEL', KEYS[1], id)
  else
    known = known + 1
    if held > now then
      silent = silent + 1 / math.max(held_share, 1)
    elseif beat < now - seen then
      silent = silent + 1 / math.max(share, 1)
    else
      alive = alive + 1
    end
  end
end
if hold > 0 then my_hold, my_hold_share = math.max(my_hold, now + hold), hold_share end
if my_hold <= now then my_hold, my_hold_share = 0, 1 end
local free = 1 - silent
if expected > known then free = free - (expected - known) / expected end
if my_hold > now then free = free - 1 / math.max(my_hold_share, 1) end
local share = math.max(expected, known)
redis.call('HSET', KEYS[1], me,
  string.format('%d %d %d %d 0', now, share, my_hold, my_hold_share))
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return {share, math.max(math.floor(free * 1000000), 0), known, alive}
"""
)

LEAVE = (
    _REPLICA
    + """
-- KEYS: replicas. ARGV: id. Unregisters this replica, unless it is still held at a share.
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return 0 end
local beat, share, held, held_share = parse(value)
if held > now_us() then
  redis.call('HSET', KEYS[1], ARGV[1],
    string.format('%d %d %d %d 1', beat, share, held, held_share))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
"""
)
