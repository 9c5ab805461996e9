import { cacheFeature } from './cache/cache-feature.js';
import { clientsFeature } from './clients/clients-feature.js';
import { coalesceFeature } from './coalesce/coalesce-feature.js';
import { conversationsFeature } from './conversations/feature/conversations-feature.js';
import { budgetsFeature } from './cost/budgets-feature.js';
import { embeddingsBatchingFeature } from './embeddings-batching/batching-feature.js';
import type { Feature } from './feature.js';
import { contentFilterFeature } from './filter/content-filter-feature.js';
import { metricsFeature } from './metrics/metrics-feature.js';
import { breakerFeature } from './policies/breaker/breaker-feature.js';
import { routingFeature } from './policies/fallback/routing-feature.js';
import { fitContextFeature } from './policies/fit-context/fit-context-feature.js';
import { keysFeature } from './policies/keys/keys-feature.js';
import { rateLimitFeature } from './policies/rate-limit/rate-limit-feature.js';
import { requestBodyFeature } from './policies/request-body-feature.js';
import { retryFeature } from './policies/retry/retry-feature.js';
import { streamUsageFeature } from './policies/stream-usage/stream-usage-feature.js';
import { pacingFeature } from './policies/upstream-pacing/pacing-feature.js';
import { realtimeChatFeature } from './realtime-chat/realtime-chat-feature.js';
import { signingFeature } from './signing/signing-feature.js';
import { redactUpstreamKeysFeature } from './upstream/redact-upstream-keys-feature.js';

/**
 * The built-in features. Each places its policies by stage (`stages.ts` orders the stages), so
 * this list only orders features that share a stage: signing authenticates before client keys.
 * Adding a feature is adding its folder and a line here (and its option fields in `options.ts`).
 */
export const builtInFeatures: readonly Feature[] = [
  metricsFeature,
  redactUpstreamKeysFeature,
  signingFeature,
  clientsFeature,
  rateLimitFeature,
  requestBodyFeature,
  contentFilterFeature,
  budgetsFeature,
  // Before fit-context: fitting then applies to the loaded history.
  conversationsFeature,
  fitContextFeature,
  cacheFeature,
  // After the cache: concurrent misses of one key share one upstream call.
  coalesceFeature,
  embeddingsBatchingFeature,
  streamUsageFeature,
  routingFeature,
  retryFeature,
  breakerFeature,
  keysFeature,
  pacingFeature,
  // Inside pacing: a Realtime session waits for its upstream slot like an HTTP attempt.
  realtimeChatFeature,
];
