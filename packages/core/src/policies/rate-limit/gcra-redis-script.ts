// The Lua side of the Redis GCRA limiter. Each script is one atomic decision on one key
// (KEYS[1], so any cluster slot serves it) with the clock taken from Redis itself: instances
// whose clocks disagree still share one timeline. Redis 7 replicates a script's effects, not
// the script, so reading TIME before a write is allowed (`replicate_commands` asks for the
// same on Redis 5 and 6 and is a no-op on 7). The arithmetic is decideGcra's (gcra-decide.ts),
// in the same order on the same doubles; the arrival time is stored with 17 significant
// digits so that it reads back as exactly the number that was written.

/**
 * Reads Redis's clock (`now`, µs) and the stored arrival time of KEYS[1] (`tat`, never before
 * now), and defines `store(value)`, which writes it back with a TTL until the bucket is full.
 */
export const gcraPrologue = `
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then
  tat = tonumber(stored) or now
  if tat < now then tat = now end
end
local function store(value)
  if value <= now then
    redis.call('DEL', KEYS[1])
  else
    -- The key lives until the bucket is full again: idle keys vanish by themselves.
    redis.call('SET', KEYS[1], string.format('%.17g', value), 'PX', math.ceil((value - now) / 1000))
  end
end
`;

/**
 * Consume: ARGV = interval µs, tolerance µs, cost. Returns
 * `{allowed (1|0), remaining tokens, retry-after µs, reset µs, now µs}` as integers.
 */
export const gcraConsumeScript = `${gcraPrologue}
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local function tokens_left(t)
  local left = math.floor((tolerance - (t - now)) / interval + 1e-9)
  if left < 0 then return 0 end
  return left
end
local next_tat = tat + cost * interval
local allow_at = next_tat - tolerance
if allow_at > now then
  return {0, tokens_left(tat), math.ceil(allow_at - now), math.ceil(tat - now), now}
end
store(next_tat)
return {1, tokens_left(next_tat), 0, math.ceil(next_tat - now), now}
`;

/** Adjust: ARGV = delta µs (negative: refund, never past a full bucket; positive: charge). */
export const gcraAdjustScript = `${gcraPrologue}
store(tat + tonumber(ARGV[1]))
return 1
`;
