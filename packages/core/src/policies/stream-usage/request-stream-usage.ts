import { removeInjectedUsage } from '../../streaming/remove-injected-usage.js';
import type { JsonObject, Policy } from '../../types.js';

const usageRoutes = new Set(['chat.completions', 'completions']);

/**
 * Asks the upstream for `stream_options.include_usage` on streams whose client did not, so
 * the usage tap always learns the token counts; the extra chunk is removed again on the way
 * back, so the client receives what it asked for.
 */
export function requestStreamUsage(): Policy {
  return (next) => (context) => {
    const body = context.body;
    if (!context.stream || body === undefined || !usageRoutes.has(context.route.name)) return next(context);
    const streamOptions = body.stream_options as JsonObject | undefined;
    if (streamOptions?.include_usage === true) return next(context);
    body.stream_options = { ...streamOptions, include_usage: true };
    context.bodyChanged = true;
    context.transforms.push(removeInjectedUsage);
    return next(context);
  };
}
