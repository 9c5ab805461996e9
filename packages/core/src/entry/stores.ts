/** `@ferry/core/stores`: the small key-value stores behind limits, nonces and spend. */
export { createStores, type GatewayStores } from '../stores/create-store.js';
export { createMemoryStore } from '../stores/memory-store.js';
export { createRedisClient, createRedisStore, waitForRedis } from '../stores/redis-store.js';
export type { Store } from '../stores/store.js';
