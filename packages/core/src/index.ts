export type { ClientLimits, ClientOptions } from './clients/client-options.js';
export { expandEnvironment, loadConfigFile } from './config/load-config-file.js';
export { optionsFromEnvironment } from './config/options-from-environment.js';
export type { BudgetsOptions, ModelPrice, UsageEndpointOptions } from './cost/cost-options.js';
export { createPriceTable, defaultPrices } from './cost/price-table.js';
export { createSpendLedger, type PeriodUsage, type SpendLedger } from './cost/spend-ledger.js';
export { type ErrorType, errorBody, errorEvent, GatewayError, toGatewayError } from './errors.js';
export {
  diagnosticsChannelName,
  type GatewayEventListener,
  type GatewayEventMap,
  type GatewayEventName,
  GatewayEvents,
} from './events/gateway-events.js';
export type { FallbackStep, RequestRecord } from './events/request-record.js';
export type { Stage, StagedPolicy } from './feature.js';
export {
  type ContentRule,
  type ContentScanner,
  createContentScanner,
  maskRanges,
  type ScanResult,
} from './filter/content-scanner.js';
export type { ContentFilterOptions } from './filter/filter-options.js';
export { readWordLists } from './filter/word-lists.js';
export { createGateway, type Gateway } from './gateway.js';
export type { GatewayMetrics } from './metrics/gateway-metrics.js';
export type { MetricsOptions } from './metrics/metrics-options.js';
export {
  type GatewayOptions,
  GatewayOptionsError,
  type ResolvedOptions,
  resolveOptions,
  type UpstreamOptions,
} from './options.js';
export { presentedKey } from './policies/authenticate.js';
export { compose } from './policies/compose.js';
export type { ContextOptions } from './policies/fit-context/context-options.js';
export type { InputLimitsOptions } from './policies/input-limits-options.js';
export type { LimitsOptions } from './policies/rate-limit/limits-options.js';
export type { PacingOptions } from './policies/upstream-pacing/pacing-options.js';
export { knownRoutes, type Route } from './routes.js';
export {
  bodySha256,
  type CanonicalRequestParts,
  canonicalQuery,
  canonicalString,
  signatureHeaderNames,
} from './signing/canonical-request.js';
export { type SignatureHeaders, type SignRequestInput, signRequest } from './signing/sign-request.js';
export type { SigningOptions } from './signing/signing-options.js';
export {
  type SignatureVerdict,
  type SignedRequest,
  type VerifySignatureOptions,
  verifySignature,
} from './signing/verify-signature.js';
export { stages } from './stages.js';
export { createStores, type GatewayStores } from './stores/create-store.js';
export { createMemoryStore } from './stores/memory-store.js';
export { createRedisClient, createRedisStore, waitForRedis } from './stores/redis-store.js';
export type { Store } from './stores/store.js';
export { eventStreamEvents } from './streaming/event-stream.js';
export { usageFromTail } from './streaming/usage-tap.js';
export { createContextWindowTable, defaultContextWindows } from './tokens/context-windows.js';
export { countChatTokens } from './tokens/count-chat-tokens.js';
export {
  type EncodingName,
  encodingForModel,
  encodingNameForModel,
  loadEncoding,
  type TokenEncoding,
} from './tokens/encodings.js';
export type {
  BodyTransform,
  ClientIdentity,
  GatewayContext,
  GatewayRequest,
  GatewayResponse,
  Handler,
  JsonObject,
  Policy,
  ResponseBody,
  ResponseTap,
  SettleListener,
  Usage,
} from './types.js';
export type { Upstream } from './upstream/upstream.js';
