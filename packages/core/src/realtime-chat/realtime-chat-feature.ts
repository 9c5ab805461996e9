import type { Feature } from '../feature.js';
import { upstreamList } from '../options.js';
import { upstreamConnector } from '../upstream/upstream.js';
import { type RealtimeUpstream, realtimeChat } from './realtime-chat.js';

/**
 * Chat Completions for realtime-only models (`upstreams[].realtimeModels`), answered through a
 * Realtime session (docs/websocket.md). Innermost of the pipeline, after key choice and pacing,
 * so every attempt's key and slot are its own. Off (and free) when no upstream lists a model.
 */
export const realtimeChatFeature: Feature = {
  name: 'realtime-chat',
  stages: ['pace'],
  // The field lives on each upstream (upstream/upstream-options.ts).
  options: {},
  setup({ options, events }) {
    const upstreams = new Map<string, RealtimeUpstream>();
    for (const upstream of upstreamList(options)) {
      if (upstream.realtimeModels === undefined) continue;
      upstreams.set(upstream.name, {
        models: new Set(upstream.realtimeModels),
        // The same egress as the upstream's HTTP pool: address map, DoH, guard, proxy, CA.
        connect: upstreamConnector(upstream, options),
      });
    }
    return upstreams.size === 0 ? undefined : { policies: { pace: realtimeChat(upstreams, events) } };
  },
};
