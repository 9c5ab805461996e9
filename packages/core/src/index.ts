export { expandEnvironment, loadConfigFile } from './config/load-config-file.js';
export { optionsFromEnvironment } from './config/options-from-environment.js';
export { type ErrorType, errorBody, errorEvent, GatewayError, toGatewayError } from './errors.js';
export { createGateway, type Gateway } from './gateway.js';
export {
  type GatewayOptions,
  GatewayOptionsError,
  type ResolvedOptions,
  resolveOptions,
  type UpstreamOptions,
} from './options.js';
export type { PipelineSetup } from './pipeline.js';
export { presentedKey } from './policies/authenticate.js';
export { compose } from './policies/compose.js';
export { knownRoutes, type Route } from './routes.js';
export { createStores, type GatewayStores } from './stores/create-store.js';
export { createMemoryStore } from './stores/memory-store.js';
export { createRedisClient, createRedisStore, waitForRedis } from './stores/redis-store.js';
export type { Store } from './stores/store.js';
export { eventStreamEvents } from './streaming/event-stream.js';
export { usageFromTail } from './streaming/usage-tap.js';
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
  Usage,
} from './types.js';
export type { Upstream } from './upstream/upstream.js';
