import type { Feature } from '../../feature.js';
import type { Policy, Upstream } from '../../types.js';
import { anthropicAttempt } from './anthropic-upstream.js';
import { upstreamRequestFields } from './request-fields.js';

/**
 * What each upstream accepts, applied per attempt after the model map (so a fallback chain
 * mixing providers converts for each one): Anthropic upstreams get a Messages request and
 * answer as OpenAI; OpenAI-compatible ones get `max_tokens` renamed for the models that need
 * it and their `dropParams` removed. The fields live on each upstream (`type`, `dropParams`,
 * `maxCompletionTokensModels`).
 */
export const upstreamFormatsFeature: Feature = {
  name: 'upstream-formats',
  stages: ['pace'],
  options: {},
  setup({ upstreams }) {
    const needed = (upstream: Upstream) =>
      upstream.type === 'anthropic' ||
      upstream.dropParams.length > 0 ||
      upstream.maxCompletionTokensModels.length > 0;
    return upstreams.some(needed) ? { policies: { pace: upstreamFormats() } } : undefined;
  },
};

/** The innermost policy: converts the request for `context.upstream`, and its answer back. */
function upstreamFormats(): Policy {
  // Not async: a request with nothing to convert pays no extra promise.
  return (next) => (context) => {
    const upstream = context.upstream;
    const body = context.body;
    if (upstream === undefined || body === undefined) return next(context);
    const sent = upstreamRequestFields(body, upstream);
    if (upstream.type === 'anthropic') return anthropicAttempt(next, context, sent);
    if (sent === body) return next(context);
    const bodyChanged = context.bodyChanged;
    context.body = sent;
    context.bodyChanged = true;
    const restore = () => {
      context.body = body;
      context.bodyChanged = bodyChanged;
    };
    try {
      return next(context).finally(restore);
    } catch (error) {
      restore();
      throw error;
    }
  };
}
