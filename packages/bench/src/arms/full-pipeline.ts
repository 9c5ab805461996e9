import type { GatewayOptions } from '@ferry/core';
import type { SigningKey } from '../load/signing.js';

/** The client key the full-pipeline arm accepts; the load generator sends it. */
export const benchClientKey = 'sk-ferry-bench-client';

/** The signing key of the full-pipeline arm (a benchmark secret, not a real one). */
const signingKey: SigningKey = {
  keyId: 'bench-signer',
  secret: 'ferry-bench-signing-secret-0123456789abcdef',
};

/** Far above any load the bench offers: the limit is checked on every request, never reached. */
const unreachable = 1_000_000_000;

/**
 * Ferry with every feature that exists turned on, as a production deployment would run it.
 * This is the one place to extend when a feature lands in `@ferry/core`'s options: add its
 * option here with values that let the benchmark's traffic through (limits far above the
 * offered load, filters that match nothing in the mock's answers), so the arm measures what
 * the feature costs, not its rejections. Signing needs a new signature per request: the arm
 * hands its key to the load generator, which signs every request as a real caller would.
 */
export function fullPipelineOptions(upstreamUrl: string): {
  options: GatewayOptions;
  clientHeaders: Record<string, string>;
  signing: SigningKey;
} {
  const usage = { reports: 0, tokens: 0 };
  const options: GatewayOptions = {
    upstream: { name: 'mock', url: upstreamUrl, apiKey: 'sk-upstream-bench', local: true },
    // Authentication and governance: a virtual key with a tenant, allowed models and limits.
    clients: [
      {
        id: 'bench',
        tenant: 'bench-tenant',
        keys: [benchClientKey],
        allowedModels: ['gpt-4o*', 'text-embedding-*'],
        limits: {
          requestsPerMinute: unreachable,
          tokensPerMinute: unreachable,
          concurrentRequests: 1_000_000,
          maxTokensPerRequest: 100_000,
        },
      },
    ],
    // Signing: every request signed (fresh nonce each time, checked against the nonce store).
    signing: {
      keys: [{ keyId: signingKey.keyId, secrets: [signingKey.secret], client: 'bench' }],
      required: true,
    },
    // Content filtering of requests and answers, streams included.
    contentFilter: { words: ['forbidden-bench-word'], request: 'block', response: 'mask' },
    // Rate limits (requests, tokens, concurrency) per client, in memory.
    limits: {
      key: 'client',
      requests: { limit: unreachable, windowSeconds: 60 },
      tokens: { limit: unreachable, windowSeconds: 60 },
      concurrency: { limit: 1_000_000 },
    },
    // Pacing towards the upstream.
    pacing: { requestsPerMinute: unreachable, burstRequests: 1_000_000, maxQueueLength: 100_000 },
    // Spend tracking with budgets.
    budgets: { perKey: { dailyUsd: unreachable } },
    // Resilience: retries, breaker, fallback chain.
    retry: {},
    breaker: {},
    fallback: {},
    // Usage accounting: ask streams for usage, strip it again, report every request's usage.
    requestStreamUsage: true,
    onUsage: (reported) => {
      usage.reports++;
      usage.tokens += reported.totalTokens;
    },
    usageEndpoint: { adminKey: 'ferry-bench-admin-key-0123456789' },
    // Prometheus metrics, scraped at /v1/ferry/metrics with the admin key above.
    metrics: {},
    // Logging: the default pino logger, one line per request (the arm's stdout is discarded).
    logger: { level: 'info' },
  };
  return { options, clientHeaders: { authorization: `Bearer ${benchClientKey}` }, signing: signingKey };
}
