/** `@ferry/core/streaming`: the SSE event reader and the usage reader the relay uses. */
export { eventStreamEvents } from '../streaming/event-stream.js';
export { usageFromTail } from '../streaming/usage-tap.js';
