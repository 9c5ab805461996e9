/** `@ferry/core/conversations`: conversation stores (memory, Redis, PostgreSQL). */
export * from '../conversations/index.js';
