import { endTapsFrom } from '../../policies/resilience/attempt.js';
import type { GatewayResponse, Policy, ResponseBody } from '../../types.js';

/**
 * The keys stage's outer edge, inside the fallback chain and retries: when this attempt goes to
 * the upstream that holds the request's state (`context.pin`), it sends the pinned body (only
 * the new input and that upstream's own `previous_response_id`); every other upstream gets the
 * replayed history the fit stage built. The model stays whatever routing chose (a model map).
 * When the upstream no longer holds the state (it answers 400/404 about `previous_response_id`:
 * expired or deleted there), the same upstream is asked again with the replayed history, and
 * `pin.replayed` says so.
 *
 * @example
 * policies.keys = pinUpstream();
 */
export function pinUpstream(): Policy {
  return (next) => async (context) => {
    const pin = context.pin;
    if (pin === undefined || pin.replayed === true || context.upstream?.name !== pin.upstream)
      return next(context);
    const { body, bodyChanged, promptTokens } = context;
    context.body = body?.model === undefined ? pin.body : { ...pin.body, model: body.model };
    context.bodyChanged = true;
    const tapMark = context.taps.length;
    let response: GatewayResponse;
    try {
      response = await next(context);
    } finally {
      // A retry or the next upstream in the chain starts from the replayed body again.
      context.body = body;
      context.bodyChanged = bodyChanged;
      context.promptTokens = promptTokens;
    }
    if (response.status !== 400 && response.status !== 404) return response;
    const bytes = await readAll(response.body);
    if (!forgotState(Buffer.from(bytes).toString('utf8'))) return { ...response, body: bytes };
    endTapsFrom(context, tapMark);
    pin.replayed = true;
    return next(context);
  };
}

/** An OpenAI-shaped error about `previous_response_id` (OpenAI: 400 `previous_response_not_found`). */
function forgotState(text: string): boolean {
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; param?: unknown } }).error;
    return error?.code === 'previous_response_not_found' || error?.param === 'previous_response_id';
  } catch {
    return false;
  }
}

/** An error body, read whole (error answers are small; redaction reads them whole too). */
async function readAll(body: ResponseBody | undefined): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
