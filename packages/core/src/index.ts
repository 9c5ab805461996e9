/**
 * `@ferry/core`: what an embedder needs — the gateway, its options and types, the error class,
 * the signing helper for callers, and config loading. Building blocks live on named subpaths:
 * `@ferry/core/node` (the Node bridge), `/signing`, `/filter`, `/tokens`, `/stores`, `/cost`,
 * `/streaming`, `/conversations`, `/formats`, `/alerts`.
 */

export type { AlertsOptions } from './alerts/alerts-options.js';
export type { ClientLimits, ClientOptions } from './clients/client-options.js';
export { expandEnvironment, loadConfigFile } from './config/load-config-file.js';
export { optionsFromEnvironment } from './config/options-from-environment.js';
export type { BudgetsOptions, ModelPrice, UsageEndpointOptions } from './cost/cost-options.js';
export { type ErrorType, GatewayError } from './errors.js';
export type {
  GatewayEventListener,
  GatewayEventMap,
  GatewayEventName,
  GatewayEvents,
} from './events/gateway-events.js';
export { diagnosticsChannelName } from './events/gateway-events.js';
export type { FallbackStep, RequestRecord, WebSocketFacts } from './events/request-record.js';
export type { StagedPolicy } from './feature.js';
export type { ContentFilterOptions } from './filter/filter-options.js';
export { createGateway, type Gateway } from './gateway.js';
export type { GatewayMetrics } from './metrics/gateway-metrics.js';
export type { MetricsOptions } from './metrics/metrics-options.js';
export {
  type GatewayOptions,
  GatewayOptionsError,
  type ResolvedOptions,
  type UpstreamOptions,
} from './options.js';
export type { ContextOptions } from './policies/fit-context/context-options.js';
export type { InputLimitsOptions } from './policies/input-limits-options.js';
export type { LimitsOptions } from './policies/rate-limit/limits-options.js';
export type { PacingOptions } from './policies/upstream-pacing/pacing-options.js';
export { type SignatureHeaders, type SignRequestInput, signRequest } from './signing/sign-request.js';
export type { SigningOptions } from './signing/signing-options.js';
export { type Stage, stages } from './stages.js';
export type { StatusPageOptions } from './status/status-options.js';
export type { OpenTelemetryOptions } from './telemetry/telemetry-options.js';
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
  Upstream,
  Usage,
} from './types.js';
export type { UpgradeAccepted, UpgradeOutcome, UpgradeRefused } from './websocket/create-upgrade.js';
export type { WebSocketOptions } from './websocket/websocket-options.js';
