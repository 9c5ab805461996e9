import { z } from 'zod';
import { httpUrl, milliseconds, positiveInteger } from '../config/schema-helpers.js';
import { realtimeModelsOption } from '../realtime-chat/realtime-chat-options.js';

const dohFormat = z.enum(['wire', 'json']);

/** Upstream fields of the resilience features: where the connection goes and which keys it uses. */
const upstreamResilienceFields = {
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
        url: httpUrl,
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
        .array(z.union([httpUrl, z.strictObject({ url: httpUrl, format: dohFormat.optional() })]))
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
  /** Models served only over the Realtime API: Chat Completions for them go through a Realtime session. */
  realtimeModels: realtimeModelsOption,
};

/** One upstream: an OpenAI-compatible API base, its key, its timeouts and its resilience fields. */
const upstreamFields = {
  /** Name shown in logs and the `x-ferry-upstream` header. */
  name: z.string().min(1).default('default'),
  /** The API base, as for the openai client: `https://api.openai.com/v1`. */
  url: httpUrl,
  /** Injected as `Authorization: Bearer <apiKey>`; never logged, never sent to clients. */
  apiKey: z.string().min(1).optional(),
  /** Extra headers sent upstream on every request (e.g. `OpenAI-Organization`). */
  headers: z.record(z.string(), z.string()).default({}),
  /** Pool size for this upstream. Default: the gateway's `connections`. */
  connections: positiveInteger.optional(),
  /** Default: the gateway's `connectTimeoutMs`. */
  connectTimeoutMs: milliseconds.optional(),
  /** Default: the gateway's `firstByteTimeoutMs`. */
  firstByteTimeoutMs: milliseconds.optional(),
  /** Default: the gateway's `idleTimeoutMs`. */
  idleTimeoutMs: milliseconds.optional(),
  /** Default: the gateway's `keepAliveTimeoutMs`. */
  keepAliveTimeoutMs: milliseconds.optional(),
  ...upstreamResilienceFields,
};
export const upstreamSchema: z.ZodObject<typeof upstreamFields, z.core.$strict> =
  z.strictObject(upstreamFields);

export type UpstreamOptions = z.input<typeof upstreamSchema>;
export type ResolvedUpstreamOptions = z.output<typeof upstreamSchema>;
