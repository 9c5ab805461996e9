import { alertsFeature } from './alerts/alerts-feature.js';
import { cacheFeature } from './cache/cache-feature.js';
import { clientsFeature } from './clients/clients-feature.js';
import { coalesceFeature } from './coalesce/coalesce-feature.js';
import { conversationsFeature } from './conversations/feature/conversations-feature.js';
import { anthropicIngressFeature } from './conversions/anthropic-ingress/anthropic-ingress-feature.js';
import { envelopesFeature } from './conversions/envelopes/envelopes-feature.js';
import { streamConversionFeature } from './conversions/stream-mode/stream-mode-feature.js';
import { upstreamFormatsFeature } from './conversions/upstream-formats/upstream-formats-feature.js';
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
import { statusPageFeature } from './status/status-feature.js';
import { openTelemetryFeature } from './telemetry/telemetry-feature.js';
import { redactUpstreamKeysFeature } from './upstream/redact-upstream-keys-feature.js';

/**
 * The built-in features. Each places its policies by stage (`stages.ts` orders the stages), so
 * this list only orders features that share a stage: signing authenticates before client keys.
 * Adding a feature is adding its folder and a line here (and its option fields in `options.ts`).
 */
export const builtInFeatures: readonly Feature[] = [
  metricsFeature,
  // Outside the key redaction (it converts redacted error bodies), before the other validators.
  anthropicIngressFeature,
  // Outermost with the ingress: its transform is the last one, after the content filter's.
  envelopesFeature,
  alertsFeature,
  statusPageFeature,
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
  // After pacing: an attempt's span starts when its upstream slot is granted; it covers the
  // attempt's conversions and an attempt answered through a Realtime session too.
  openTelemetryFeature,
  // Converts each attempt for the upstream it goes to, after pacing let it go; the stream mode
  // is chosen just outside, in OpenAI terms.
  streamConversionFeature,
  upstreamFormatsFeature,
  // Innermost: a Realtime session waits for its upstream slot like an HTTP attempt.
  realtimeChatFeature,
];
