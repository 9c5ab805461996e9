import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError } from '../../errors.js';
import type { JsonObject, Policy, Upstream } from '../../types.js';
import { checkId } from '../conversation-limits.js';
import type { ConversationStore } from '../conversation-store.js';
import type { StoredResponse } from '../conversation-types.js';
import type { ConversationsOptions } from './conversations-options.js';
import { ownerOf } from './load-conversation.js';
import { recordResponse } from './record-response.js';

/** Says how a Responses API follow-up got its history: `upstream` (pinned) or `replayed`. */
export const historyHeader = 'x-ferry-history';

/** The input items of a request: a string input is one user message, as OpenAI reads it. */
const inputItems = (input: unknown): unknown[] =>
  typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : [];

/** The replayed input: every stored response's input then output, oldest first, then the new input. */
const replayedInput = (chain: readonly StoredResponse[], input: unknown[]): unknown[] => {
  const items: unknown[] = [];
  for (const response of chain) items.push(...response.input, ...response.output);
  items.push(...input);
  return items;
};

/**
 * The Responses API over upstreams that keep no state (at `fit`): Ferry stores each response
 * (unless `store: false`) under an id of its own, and a request with `previous_response_id`
 * gets the chain rebuilt and sent as full input. `instructions` are never inherited (each
 * request's own go upstream, as OpenAI does). A follow-up to a response an upstream listed in
 * `statefulUpstreams` produced is pinned to that upstream and key with only its new input; if
 * that upstream cannot serve, the fallback chain gets the replayed history instead
 * (`x-ferry-history: replayed`). A missing response is 400 `previous_response_not_found`, and
 * so is a chain with a deleted or expired response in the middle: never a silently shorter one.
 *
 * @example
 * policies.fit = replayResponses(() => storePromise, options.conversations, setup.upstreams, logger);
 */
export function replayResponses(
  storeOf: () => Promise<ConversationStore>,
  options: ConversationsOptions,
  upstreams: readonly Upstream[],
  logger: Logger,
): Policy {
  const stateful = new Set(options.statefulUpstreams);
  const byName = new Map(upstreams.map((upstream) => [upstream.name, upstream]));
  return (next) => async (context) => {
    const body = context.body;
    if (body === undefined || context.route.name !== 'responses') return next(context);
    const previous = body.previous_response_id;
    const store = body.store !== false;
    if (!store && (previous === undefined || previous === null)) return next(context);
    const owner = ownerOf(context.client);
    const responses = await storeOf();
    const input = inputItems(body.input);

    let pinned: StoredResponse['upstream'];
    if (previous !== undefined && previous !== null) {
      if (typeof previous !== 'string')
        throw new GatewayError('invalid_response_id', 'previous_response_id must be a string.', {
          param: 'previous_response_id',
        });
      checkId(previous, 'response');
      const chain = await responses.walkChain(previous, owner);
      if (chain === undefined)
        throw new GatewayError(
          'previous_response_not_found',
          `Previous response with id '${previous}' not found.`,
          {
            param: 'previous_response_id',
          },
        );
      const { previous_response_id: _, ...rest } = body;
      context.body = { ...rest, input: replayedInput(chain, input) };
      context.bodyChanged = true;
      context.promptTokens = undefined;
      pinned = chain.at(-1)?.upstream;
      if (pinned !== undefined && stateful.has(pinned.name)) {
        const pinnedBody: JsonObject = { ...body, previous_response_id: pinned.id };
        context.pin = { upstream: pinned.name, key: pinned.key, body: pinnedBody };
        // First in the fallback chain (or the only one served without it).
        context.upstream ??= byName.get(pinned.name);
      } else pinned = undefined;
    }

    const id = `resp_${randomBytes(24).toString('hex')}`;
    const response = await next(context);
    const servedBy = context.upstream?.name;
    if (pinned !== undefined)
      context.responseHeaders[historyHeader] =
        servedBy === pinned.name && context.pin?.replayed !== true ? 'upstream' : 'replayed';
    else if (previous !== undefined && previous !== null) context.responseHeaders[historyHeader] = 'replayed';
    if (!store || response.status !== 200 || response.body === undefined) return response;
    const key = context.record.upstreamKey;
    const keepsState =
      servedBy !== undefined && stateful.has(servedBy) && context.record.upstream !== 'degraded';
    context.transforms.push(
      recordResponse(id, context.stream, async (completed) => {
        try {
          await responses.putResponse({
            id,
            owner,
            previousResponseId: typeof previous === 'string' ? previous : null,
            input,
            output: completed.output,
            ...(keepsState
              ? {
                  upstream: {
                    name: servedBy,
                    id: completed.upstreamId,
                    ...(key === undefined ? {} : { key }),
                  },
                }
              : {}),
          });
        } catch (error) {
          logger.warn({ requestId: context.requestId, err: error }, 'response not stored');
        }
      }),
    );
    return response;
  };
}
