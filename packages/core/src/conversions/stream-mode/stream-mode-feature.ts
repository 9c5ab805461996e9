import type { Feature } from '../../feature.js';
import type { Policy } from '../../types.js';
import { aggregatedAttempt, selects, streamedAttempt } from './stream-mode.js';
import { type ResolvedStreamConversionOptions, streamConversionSchema } from './stream-mode-options.js';

const convertible = new Set(['chat.completions', 'responses']);
const header = 'x-ferry-upstream-stream';

/**
 * Stream ⇄ JSON per route, model, upstream or request (`streamConversion`): each attempt asks
 * its upstream in the mode the rules choose and answers the client in the mode it asked for.
 * Runs per attempt, after the model map and just outside the upstream's own format conversion,
 * so it composes with Anthropic upstreams and fallback chains.
 */
export const streamConversionFeature: Feature = {
  name: 'stream-conversion',
  stages: ['pace'],
  options: { streamConversion: streamConversionSchema.optional() },
  setup: ({ options }) =>
    options.streamConversion === undefined
      ? undefined
      : { policies: { pace: streamMode(options.streamConversion) } },
};

function streamMode(options: ResolvedStreamConversionOptions): Policy {
  const { streamUpstream, jsonUpstream } = options;
  const honourHeader = options.header;
  return (next) => (context) => {
    const body = context.body;
    if (body === undefined || !convertible.has(context.route.name)) return next(context);
    const asked = honourHeader ? context.request.headers[header] : undefined;
    const upstreamStream =
      asked === 'true'
        ? true
        : asked === 'false'
          ? false
          : context.stream
            ? !selects(jsonUpstream, context)
            : selects(streamUpstream, context);
    if (upstreamStream === context.stream) return next(context);
    return upstreamStream ? aggregatedAttempt(next, context, body) : streamedAttempt(next, context, body);
  };
}
