// The Lua side of the shared upstream pacer: the GCRA bucket of gcra-redis-script.ts, one per
// upstream (key), on Redis's clock so that every instance spends from one timeline. Each script
// touches one key (KEYS[1]), so any cluster slot serves it.

import { gcraPrologue } from '../rate-limit/gcra-redis-script.js';

/**
 * Take one slot: ARGV = interval µs, tolerance µs. Returns `{admitted (1|0), wait µs}`; the
 * wait is when the next slot frees (0 when admitted).
 */
export const paceTakeScript = `${gcraPrologue}
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local next_tat = tat + interval
local allow_at = next_tat - tolerance
if allow_at > now then
  return {0, math.ceil(allow_at - now)}
end
store(next_tat)
return {1, 0}
`;

/**
 * Hold every instance until the upstream's reset: ARGV = hold µs, interval µs, tolerance µs.
 * The stored arrival time becomes at least the one at which exactly one slot frees after the
 * hold, so the fleet resumes at the pace, not with a burst. Never moves a later hold earlier.
 */
export const paceHoldScript = `${gcraPrologue}
local held = now + tonumber(ARGV[1]) + tonumber(ARGV[3]) - tonumber(ARGV[2])
if held > tat then store(held) end
return 1
`;
