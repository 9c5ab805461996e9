import type { Policy } from '../../types.js';

/**
 * The keys stage's outer edge, inside the fallback chain and retries: when this attempt goes to
 * the upstream that holds the request's state (`context.pin`), it sends the pinned body (only
 * the new input and that upstream's own `previous_response_id`); every other upstream gets the
 * replayed history the fit stage built. The model stays whatever routing chose (a model map).
 *
 * @example
 * policies.keys = pinUpstream();
 */
export function pinUpstream(): Policy {
  return (next) => async (context) => {
    const pin = context.pin;
    if (pin === undefined || context.upstream?.name !== pin.upstream) return next(context);
    const { body, bodyChanged, promptTokens } = context;
    context.body = body?.model === undefined ? pin.body : { ...pin.body, model: body.model };
    context.bodyChanged = true;
    try {
      return await next(context);
    } finally {
      // A retry or the next upstream in the chain starts from the replayed body again.
      context.body = body;
      context.bodyChanged = bodyChanged;
      context.promptTokens = promptTokens;
    }
  };
}
