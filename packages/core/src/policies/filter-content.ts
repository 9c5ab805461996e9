import type { GatewayEventMap, GatewayEvents } from '../events/gateway-events.js';
import { filterAnswer } from '../filter/answer-filter.js';
import { createContentScanner } from '../filter/content-scanner.js';
import { filterEventStream } from '../filter/event-stream-filter.js';
import type { ResolvedContentFilterOptions } from '../filter/filter-options.js';
import { filterRequestBody } from '../filter/request-filter.js';
import { filterResponsesStream } from '../filter/responses-stream-filter.js';
import { type AnswerAction, TextStreamFilter } from '../filter/text-stream-filter.js';
import { readWordLists } from '../filter/word-lists.js';
import type { AnswerTextFilter, GatewayContext, Policy } from '../types.js';

/**
 * Routes whose answers carry generated text: `choices` (chat, legacy completions) or `output`
 * (Responses API). Embeddings carry none.
 */
const answerRoutes = new Set(['chat.completions', 'completions', 'responses']);

/**
 * Filters sensitive content at the "filter request" stage: the request body before anything is
 * sent upstream (`block` or `mask`), and the answer on its way back through a response
 * transform (`mask` or `stop`), streams included. Word lists are read and the automaton built
 * once, at construction.
 *
 * @example
 * policies.push(filterContent({ wordLists: ['words.txt'], words: [], rules: [], request: 'block', response: 'mask' }));
 */
export function filterContent(options: ResolvedContentFilterOptions, events?: GatewayEvents): Policy {
  const scanner = createContentScanner({
    words: [...options.words, ...readWordLists(options.wordLists)],
    rules: options.rules,
  });
  const requestAction = options.request;
  const answerAction = options.response;

  return (next) => async (context) => {
    const body = context.body;
    if (requestAction !== 'off' && body !== undefined) {
      let outcome: ReturnType<typeof filterRequestBody>;
      try {
        outcome = filterRequestBody(body, scanner, requestAction);
      } catch (error) {
        note(context, 'request blocked', [], events);
        throw error;
      }
      if (outcome.masked) {
        context.bodyChanged = true;
        note(context, 'request masked', [...new Set(outcome.matched)], events);
      }
    }
    const response = await next(context);
    if (answerAction !== 'off' && response.status === 101 && context.route.websocket === true) {
      // A WebSocket session filters the text deltas it relays, one filter per text part.
      (context as GatewayContext & { answerFilter?: AnswerTextFilter }).answerFilter = {
        action: answerAction,
        create: () => new TextStreamFilter(scanner, answerAction),
        matched: (action, rules) =>
          note(context, action === 'stop' ? 'answer stopped' : 'answer masked', rules, events),
      };
      return response;
    }
    if (answerAction === 'off' || response.status !== 200 || !answerRoutes.has(context.route.name)) {
      return response;
    }
    // Whole bodies too (a degraded answer): the gateway's one response path runs the transforms on them.
    if (response.body === undefined) return response;
    const contentType = response.headers['content-type'] ?? '';
    const onMatch = (action: AnswerAction, matched: readonly string[]) =>
      note(context, action === 'stop' ? 'answer stopped' : 'answer masked', matched, events);
    if (contentType.startsWith('text/event-stream')) {
      const filterStream = context.route.name === 'responses' ? filterResponsesStream : filterEventStream;
      context.transforms.push(filterStream(scanner, answerAction, onMatch));
    } else if (contentType.startsWith('application/json')) {
      context.transforms.push(filterAnswer(scanner, answerAction, onMatch));
    }
    return response;
  };
}

/** Records what the filter did on the request's record and announces it. */
function note(
  context: GatewayContext,
  action: FilterAction,
  rules: readonly string[],
  events: GatewayEvents | undefined,
) {
  context.record.contentFilter = action;
  if (rules.length > 0 || action !== 'request blocked') context.record.contentRules = [...rules];
  if (events?.wants('filter') === true) events.emit('filter', { context, action, rules });
}

type FilterAction = GatewayEventMap['filter']['action'];
