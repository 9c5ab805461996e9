import { GatewayError } from '../errors.js';

/** What a caller asked of the cache with `x-ferry-cache`. */
export interface CacheDirectives {
  /** Do not store this answer (`no-store`). */
  noStore: boolean;
  /** Do not serve a stored answer; a fresh one may be stored (`no-cache`). */
  noCache: boolean;
  /** How long to keep this answer (`ttl=<seconds>`), capped by `maxTtlMs`. */
  ttlMs: number | undefined;
}

const none: CacheDirectives = Object.freeze({ noStore: false, noCache: false, ttlMs: undefined });

const invalid = (message: string) =>
  new GatewayError('invalid_value', `Invalid x-ferry-cache header: ${message}.`, { param: 'x-ferry-cache' });

/**
 * Reads `x-ferry-cache`: comma-separated `no-store`, `no-cache`, `ttl=<seconds>` (a whole
 * number from 1). Anything else is a 400 `invalid_value`, so a typo never silently caches.
 *
 * @example
 * cacheDirectives('no-cache, ttl=60', 86_400_000); // { noStore: false, noCache: true, ttlMs: 60000 }
 */
export function cacheDirectives(header: string | string[] | undefined, maxTtlMs: number): CacheDirectives {
  if (header === undefined) return none;
  const text = Array.isArray(header) ? header.join(',') : header;
  const directives: CacheDirectives = { noStore: false, noCache: false, ttlMs: undefined };
  for (const raw of text.split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === 'no-store') directives.noStore = true;
    else if (item === 'no-cache') directives.noCache = true;
    else if (item.startsWith('ttl=')) {
      const seconds = item.slice(4);
      if (!/^[1-9]\d{0,8}$/.test(seconds)) throw invalid('ttl must be a whole number of seconds from 1');
      directives.ttlMs = Math.min(Number(seconds) * 1000, maxTtlMs);
    } else {
      throw invalid(`expected no-store, no-cache or ttl=<seconds>, got "${item.slice(0, 32)}"`);
    }
  }
  return directives;
}
