import type { GatewayEvents } from '../events/gateway-events.js';
import { StoreHealth } from '../events/store-health.js';
import type { GatewayContext, Policy, ResponseTap, Usage } from '../types.js';
import type { AnswerStore } from './answer-store.js';
import { cacheDirectives } from './cache-directives.js';
import type { CacheOptions } from './cache-options.js';
import {
  answerOfBody,
  answerTokens,
  type CachedAnswer,
  readCachedAnswer,
  replayAnswer,
} from './cached-answer.js';

/** What a hit costs: nothing. The ledger, token limits and metrics all read these zeros. */
const freeUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0, source: 'cache' });

/** True when the request is one whose answer may be replayed (see `CacheOptions`). */
export function cacheableRequest(context: GatewayContext, options: CacheOptions): boolean {
  const body = context.body;
  if (body === undefined) return false;
  if (context.route.path === '/embeddings') return true;
  if (!options.multipleChoices && body.n !== undefined && body.n !== null && body.n !== 1) return false;
  // No temperature is the API's default of 1: a sampled answer too.
  if (!options.sampled && body.temperature !== 0) return false;
  return true;
}

/**
 * The exact cache, at the `cache` stage: a hit answers at once (JSON, or a real SSE stream
 * when the caller asked for one) through the same response path as any answer, so the content
 * filter and the settle point see it, with zero usage; a miss goes on and its 200 answer is
 * stored once its body ended complete. `x-ferry-cache` on the request says `no-store`,
 * `no-cache` or `ttl=<seconds>`; on the response it says `hit`, `miss` or `bypass`. A store that
 * fails or is slow is a miss: the cache never fails a request.
 *
 * @example
 * policies.cache = responseCache(options.cache, memoryAnswerStore(10_000, 64 << 20), keyOf, events);
 */
export function responseCache(
  options: CacheOptions,
  answers: AnswerStore,
  keyOf: (context: GatewayContext) => string | null,
  events: GatewayEvents,
): Policy {
  const health = new StoreHealth(events, 'cache');
  const rules = { toolCalls: options.toolCalls };

  const store = (key: string, ttlMs: number, bytes: Uint8Array, eventStream: boolean, endpoint: string) => {
    answerOfBody(bytes, eventStream, endpoint, rules)
      .then((found) => {
        if (found === undefined) return;
        const entry: CachedAnswer = {
          v: 1,
          at: Date.now(),
          tokens: answerTokens(found.answer),
          body: found.text,
        };
        const value = JSON.stringify(entry);
        if (value.length > options.maxEntryBytes) return;
        return answers.set(key, value, ttlMs).then(() => health.ok());
      })
      .catch((error: unknown) => health.failed((error as { code?: string }).code ?? 'error'));
  };

  return (next) => async (context) => {
    const directives = cacheDirectives(context.request.headers['x-ferry-cache'], options.maxTtlMs);
    const key = cacheableRequest(context, options) ? keyOf(context) : null;
    if (key === null) {
      context.record.cache = 'bypass';
      context.responseHeaders['x-ferry-cache'] = 'bypass';
      return next(context);
    }
    if (directives.noCache) {
      context.record.cache = 'bypass';
    } else {
      let stored: string | undefined;
      try {
        stored = await answers.get(key);
        health.ok();
      } catch (error) {
        health.failed((error as { code?: string }).code ?? (error as Error).message ?? 'error');
      }
      const entry = stored === undefined ? undefined : readCachedAnswer(stored);
      if (entry !== undefined) {
        context.usage = freeUsage();
        context.record.cache = 'hit';
        context.record.savedTokens = entry.tokens;
        const includeUsage = (context.body?.stream_options as { include_usage?: unknown } | undefined)
          ?.include_usage;
        const hit = replayAnswer(entry, context.stream, includeUsage === true);
        hit.headers['x-ferry-cache'] = 'hit';
        return hit;
      }
      context.record.cache = 'miss';
    }
    context.responseHeaders['x-ferry-cache'] = context.record.cache;
    const response = await next(context);
    // Only a complete 200 answer of the upstream the key names (no fallback, no degraded answer).
    if (directives.noStore || response.status !== 200 || context.record.degraded || context.record.fellBack)
      return response;
    const body = response.body;
    const eventStream = response.headers['content-type']?.startsWith('text/event-stream') === true;
    const ttlMs = directives.ttlMs ?? options.ttlMs;
    const endpoint = context.route.path;
    if (body instanceof Uint8Array) {
      if (body.byteLength <= options.maxEntryBytes) store(key, ttlMs, body, eventStream, endpoint);
      return response;
    }
    if (body !== undefined)
      context.taps.push(
        captureTap(options.maxEntryBytes, (bytes) => store(key, ttlMs, bytes, eventStream, endpoint)),
      );
    return response;
  };
}

/**
 * Keeps the upstream's chunks by reference while they are at most `maxBytes`, and hands the
 * whole body over when it ended complete; a failed or abandoned body, or a larger one, is
 * dropped.
 */
function captureTap(maxBytes: number, complete: (bytes: Uint8Array) => void): ResponseTap {
  let chunks: Uint8Array[] | undefined = [];
  let size = 0;
  return {
    chunk(bytes) {
      if (chunks === undefined) return;
      size += bytes.byteLength;
      if (size > maxBytes) chunks = undefined;
      else chunks.push(bytes);
    },
    end(error) {
      const kept = chunks;
      chunks = undefined;
      if (error !== undefined || kept === undefined) return;
      complete(kept.length === 1 ? (kept[0] as Uint8Array) : Buffer.concat(kept, size));
    },
  };
}
