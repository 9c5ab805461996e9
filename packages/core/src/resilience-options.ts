import { z } from 'zod';

/**
 * Option schemas of the resilience features (retry, breaker, fallback, keys, DNS, egress),
 * nested into `options.ts`. Every default is stated here and in docs/resilience.md.
 */

const milliseconds = z.number().int().nonnegative();
const positiveInteger = z.number().int().positive();
const dohFormat = z.enum(['wire', 'json']);

/** Upstream fields: where the connection goes and which keys it uses. */
export const upstreamResilienceFields = {
  /**
   * A model server on this machine or the private network (Ollama, vLLM, llama.cpp). Only a
   * `local` upstream may connect to loopback, private, link-local or unique-local addresses.
   */
  local: z.boolean().default(false),
  /** Model-name map used when this upstream serves a request for another model: `{ 'gpt-4o': 'llama3.1' }`; `'*'` matches any. */
  models: z.record(z.string(), z.string().min(1)).default({}),
  /** Several keys for this upstream (same origin): spread by weight and in-flight count, cooled down on 429. */
  keys: z
    .array(
      z.strictObject({
        apiKey: z.string().min(1),
        /** Relative share of requests. Default 1. */
        weight: positiveInteger.default(1),
        /** Shown in logs instead of the key. Default `key<index>`. */
        name: z.string().min(1).optional(),
      }),
    )
    .min(1)
    .optional(),
  /**
   * The same upstream at several origins (Azure OpenAI resources in several regions, relays
   * abroad): requests are spread over them by weight and in-flight count; one is cooled down
   * on 429 and routed around when its connection fails. Not together with `keys`.
   */
  deployments: z
    .array(
      z.strictObject({
        /** The API base of this deployment, e.g. `https://eu.relay.example/v1`. */
        url: z.url({ protocol: /^https?$/ }),
        /** Its key. Default: the upstream's `apiKey`. */
        apiKey: z.string().min(1).optional(),
        /** Relative share of requests. Default 1. */
        weight: positiveInteger.default(1),
        /** Shown as `<upstream>/<name>` in `x-ferry-upstream` and the log. Default `d<index>`. */
        name: z
          .string()
          .regex(/^[\w.-]{1,64}$/, 'letters, digits, `_`, `.` and `-` only')
          .optional(),
      }),
    )
    .min(1)
    .optional(),
  /** A hosts file for this upstream: hostname → IP addresses, tried before any DNS. */
  addresses: z.record(z.string().min(1), z.array(z.union([z.ipv4(), z.ipv6()])).min(1)).optional(),
  /** DNS-over-HTTPS resolvers (RFC 8484), with a TTL cache and the system resolver as fallback. */
  dns: z
    .strictObject({
      /** e.g. `https://223.5.5.5/dns-query`, or `{ url, format: 'json' }`. Tried in order. */
      dohUrls: z
        .array(
          z.union([
            z.url({ protocol: /^https?$/ }),
            z.strictObject({ url: z.url({ protocol: /^https?$/ }), format: dohFormat.optional() }),
          ]),
        )
        .min(1),
      /** `wire` (RFC 8484 `application/dns-message`) or `json` (`application/dns-json`), for URLs that name none. Default `wire`. */
      format: dohFormat.default('wire'),
      /** Per DoH query. Default 2000. */
      timeoutMs: positiveInteger.default(2_000),
      /** Upper bound of a cached answer's TTL. Default 300000 (5 min). */
      maxTtlMs: milliseconds.default(300_000),
      /** Fall back to the system resolver when every DoH resolver fails. Default true. */
      systemFallback: z.boolean().default(true),
    })
    .optional(),
  /** HTTP CONNECT egress proxy, e.g. a relay abroad: `http://user:password@relay.example:3128`. */
  proxy: z
    .strictObject({
      url: z.url({ protocol: /^http$/ }),
    })
    .optional(),
  /** CA certificates (PEM) trusted for this upstream instead of Node's bundled roots (a private deployment). */
  ca: z.union([z.string(), z.array(z.string())]).optional(),
};

/** Top-level `retry`: on when present. */
export const retrySchema = z.strictObject({
  /** Attempts in total, the first included. Default 3. */
  attempts: positiveInteger.default(3),
  /** Full-jitter backoff: a random wait in [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))]. Defaults 1000 and 10000. */
  baseDelayMs: milliseconds.default(1_000),
  maxDelayMs: milliseconds.default(10_000),
  /** A `Retry-After`/`retry-after-ms` longer than this ends the retries (the client gets it). Default 20000. */
  maxRetryAfterMs: milliseconds.default(20_000),
  /** No retry starts whose wait would end after this, counted from the first attempt. Default 60000. */
  deadlineMs: positiveInteger.default(60_000),
  /** Statuses retried. Default 408, 429, 500, 502, 503, 504. */
  statuses: z.array(z.number().int().min(400).max(599)).default([408, 429, 500, 502, 503, 504]),
  /** Retry a request whose first-byte timeout fired (the upstream may be generating and billing it). Default false. */
  retryFirstByteTimeout: z.boolean().default(false),
  /** Retries in flight may be at most this share of the requests in flight. Default 20. */
  budgetPercent: z.number().min(0).max(100).default(20),
  /** ... but at least this many. Default 3. */
  budgetMinimum: z.number().int().nonnegative().default(3),
});

/** Top-level `breaker`: on when present. One opossum breaker per upstream (or upstream and model). */
export const breakerSchema = z.strictObject({
  /** Failure share (percent) over the rolling window that opens the circuit. Default 50. */
  errorThresholdPercentage: z.number().min(0).max(100).default(50),
  /** Requests in the window before the share is judged. Default 10. */
  volumeThreshold: z.number().int().nonnegative().default(10),
  /** Rolling window. Default 10000, in 10 buckets. */
  rollingWindowMs: positiveInteger.default(10_000),
  rollingBuckets: positiveInteger.default(10),
  /** Time open before one probe is let through (half-open). Default 30000. */
  resetTimeoutMs: positiveInteger.default(30_000),
  /** One breaker per upstream and model instead of per upstream. Default false. */
  perModel: z.boolean().default(false),
});

/** Top-level `fallback`: the chain of upstreams and what to answer when all fail. */
export const fallbackSchema = z.strictObject({
  /** Upstream names in order. Default: every upstream, in the order configured. */
  chain: z.array(z.string().min(1)).min(1).optional(),
  /** A chain per requested model (takes precedence over `routes` and `chain`). */
  models: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  /** A chain per route name (`chat.completions`, `embeddings`, ...). */
  routes: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  /**
   * For streams: when the first byte has not arrived after this long, start the next upstream
   * in parallel; the first to send a byte wins and the other is aborted. Off when absent.
   */
  hedgeAfterMs: positiveInteger.optional(),
  /** The last resort for chat completions: a fixed answer, in the format the client asked for. */
  degraded: z
    .strictObject({
      content: z.string().min(1),
      /** The `model` field of the answer. Default: the requested model. */
      model: z.string().min(1).optional(),
    })
    .optional(),
});
