import { z } from 'zod';

/**
 * `upstreams[].realtimeModels`: models this upstream serves only over the Realtime API (a
 * WebSocket, `gpt-realtime`, `gpt-realtime-mini`). A `POST /v1/chat/completions` routed to this
 * upstream for one of them (after the upstream's `models` map) is answered through a Realtime
 * session: the conversation goes up as items, a text-only response comes back as an ordinary
 * chat completion or SSE stream with usage (docs/websocket.md). Default: none.
 */
export const realtimeModelsOption = z.array(z.string().min(1)).min(1).optional();
