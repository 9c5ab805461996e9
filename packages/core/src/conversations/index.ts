// The conversations feature's public surface, for `@ferry/core`'s index to re-export.
export {
  BrokenChainError,
  type ConflictReason,
  ConversationConflictError,
  ConversationLimitError,
  ConversationNotFoundError,
  type LimitKind,
} from './conversation-errors.js';
export { defaultConversationLimits } from './conversation-limits.js';
export type { ConversationStore } from './conversation-store.js';
export type * from './conversation-types.js';
export { exportConversation } from './export-conversation.js';
export {
  createMemoryConversationStore,
  type MemoryConversationStore,
  type MemoryConversationStoreOptions,
} from './memory-conversation-store.js';
export { createPostgresPool, type PostgresConnectionOptions } from './postgres-client.js';
export {
  createPostgresConversationStore,
  type PostgresConversationStore,
  type PostgresConversationStoreOptions,
} from './postgres-conversation-store.js';
export { conversationSchemaVersion, migrateConversationSchema } from './postgres-migrations.js';
export {
  createRedisConversationStore,
  type RedisConversationStoreOptions,
} from './redis-conversation-store.js';
