import { removeInjectedUsage } from '../../streaming/remove-injected-usage.js';
import type { GatewayContext, GatewayResponse, JsonObject } from '../../types.js';

const encoder = new TextEncoder();

/** Routes a degraded answer can be given for: the client parses a chat completion. */
export const degradedRoutes = new Set(['chat.completions']);

/**
 * The last link of a fallback chain: a configured fixed answer, as a chat completion in the
 * format the client asked for (JSON, or server-sent events ending in `[DONE]`), with
 * `finish_reason: "stop"` and zero usage, so an SDK reads it like any other answer.
 *
 * @example
 * degradedAnswer(context, { content: 'The assistant is busy, please try again shortly.' });
 */
export function degradedAnswer(
  context: GatewayContext,
  settings: { content: string; model?: string | undefined },
): GatewayResponse {
  const id = `chatcmpl-degraded-${context.requestId}`;
  const created = Math.floor(Date.now() / 1000);
  const model = settings.model ?? context.model ?? 'degraded';
  const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  if (!context.stream) {
    const completion = {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: settings.content, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage,
    };
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: encoder.encode(JSON.stringify(completion)),
    };
  }
  const chunk = (choices: unknown[], extra?: JsonObject) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
  // Usage Ferry asked for on the client's behalf is not the client's to receive.
  const wantsUsage =
    (context.body?.stream_options as JsonObject | undefined)?.include_usage === true &&
    !context.transforms.includes(removeInjectedUsage);
  let text = chunk([
    {
      index: 0,
      delta: { role: 'assistant', content: settings.content },
      logprobs: null,
      finish_reason: null,
    },
  ]);
  text += chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
  if (wantsUsage) text += chunk([], { usage });
  text += 'data: [DONE]\n\n';
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    body: encoder.encode(text),
  };
}
