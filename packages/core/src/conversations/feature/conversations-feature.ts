import { invalidOption } from '../../config/options-error.js';
import type { Feature, FeatureSetup } from '../../feature.js';
import { createSummarizer } from '../../policies/fit-context/summarizer.js';
import type { ConversationStore } from '../conversation-store.js';
import { createMemoryConversationStore } from '../memory-conversation-store.js';
import { createPostgresPool } from '../postgres-client.js';
import { createPostgresConversationStore } from '../postgres-conversation-store.js';
import { createRedisConversationStore } from '../redis-conversation-store.js';
import { conversationRoutes } from './conversation-routes.js';
import { type ConversationsOptions, conversationsSchema } from './conversations-options.js';
import { loadConversation } from './load-conversation.js';
import { openAiConversationRoutes } from './openai-conversations.js';
import { pinUpstream } from './pin-upstream.js';
import { replayResponses } from './replay-responses.js';

/**
 * Server-side chat history (`x-ferry-conversation`) and stored Responses API responses
 * (`previous_response_id`), at the fit stage before fit-context; the keys stage sends a pinned
 * follow-up's own body to the upstream that holds its state. Off when left out.
 */
export const conversationsFeature: Feature = {
  name: 'conversations',
  stages: ['fit', 'keys'],
  options: { conversations: conversationsSchema },
  setup(setup) {
    const options = setup.options.conversations;
    if (options === undefined) return undefined;
    for (const [index, name] of options.statefulUpstreams.entries())
      if (!setup.upstreams.some((upstream) => upstream.name === name))
        throw invalidOption(`conversations.statefulUpstreams.${index}`, `no upstream is named "${name}"`);
    const store = openStore(options, setup);
    // A store that failed to open fails the requests that use it, never the process.
    store.catch((error) => setup.logger.error({ err: error }, 'conversation store failed to open'));
    setup.onClose(() => store.then((opened) => opened.close()).catch(() => {}));
    const chat = loadConversation(
      () => store,
      options,
      setup.options.context,
      setup.logger,
      summarizerOf(setup),
    );
    const responses = replayResponses(() => store, options, setup.upstreams, setup.logger);
    return {
      policies: {
        fit: (next) => chat(responses(next)),
        keys: pinUpstream(),
      },
      routes: [
        ...conversationRoutes(() => store, setup.clients),
        ...openAiConversationRoutes(() => store, options, setup.clients),
      ],
    };
  },
};

/** The fit-context summariser, when the configured strategy is `summarize`: stored summaries then replace old turns. */
function summarizerOf(setup: FeatureSetup) {
  const context = setup.options.context;
  const settings = context.summarize;
  if (context.strategy !== 'summarize' || settings === undefined) return undefined;
  const upstream =
    setup.upstreams.find((candidate) => candidate.name === settings.upstream) ?? setup.upstreams[0];
  if (upstream === undefined) return undefined;
  return { summarize: createSummarizer(upstream, settings), maxSummaryTokens: settings.maxSummaryTokens };
}

function openStore(options: ConversationsOptions, setup: FeatureSetup): Promise<ConversationStore> {
  const limits = { maxTurns: options.maxTurns, maxBytes: options.maxBytes, ttlMs: options.ttlMs };
  if (options.store === 'memory') return Promise.resolve(createMemoryConversationStore({ limits }));
  if (options.store === 'redis') {
    const redis = setup.stores.redis;
    if (redis === undefined) throw invalidOption('conversations.store', "'redis' needs the redis option");
    return Promise.resolve(createRedisConversationStore(redis, { prefix: setup.stores.keyPrefix, limits }));
  }
  const url = options.postgresUrl;
  if (url === undefined) throw invalidOption('conversations.postgresUrl', "required with store 'postgres'");
  const pool = createPostgresPool({ url });
  setup.onClose(() => pool.end());
  return createPostgresConversationStore(pool, { limits });
}
