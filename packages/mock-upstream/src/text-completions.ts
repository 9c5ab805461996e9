import { contentChunks } from './content-chunks.js';
import { type Endpoint, missingParameter, unixSeconds, usageJson, wantsStreamUsage } from './endpoint.js';
import { doneEvent, eventStreamResponse, jsonResponse } from './planned-response.js';
import { estimateInputTokens } from './token-estimate.js';

/**
 * `POST /v1/completions` (legacy text completion): a `text_completion` object, or with
 * `stream: true` one `text_completion` chunk per content piece, a chunk with
 * `finish_reason: 'stop'`, a usage chunk (only with `stream_options.include_usage`) and `[DONE]`.
 * Prompt tokens follow `estimateInputTokens(prompt)`; completion tokens are the piece count.
 *
 * @example
 * textCompletions({ id: 1, body: { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' }, settings, options });
 */
export const textCompletions: Endpoint = ({ id, body, settings }) => {
  const { model } = body;
  if (typeof model !== 'string') return missingParameter('model');
  const pieces = contentChunks(settings.content, settings.chunks);
  const promptTokens = estimateInputTokens(body.prompt);
  const head = `{"id":"cmpl-mock-${id}","object":"text_completion","created":${unixSeconds()},"model":${JSON.stringify(model)}`;
  if (body.stream !== true) {
    return jsonResponse(
      200,
      `${head},"choices":[${choiceJson(settings.content, '"stop"')}],"usage":${usageJson(promptTokens, pieces.length)}}`,
    );
  }
  const usage = wantsStreamUsage(body) ? ',"usage":null' : '';
  const events: string[] = [];
  for (const piece of pieces)
    events.push(`data: ${head},"choices":[${choiceJson(piece, 'null')}]${usage}}\n\n`);
  events.push(`data: ${head},"choices":[${choiceJson('', '"stop"')}]${usage}}\n\n`);
  if (usage !== '') {
    events.push(`data: ${head},"choices":[],"usage":${usageJson(promptTokens, pieces.length)}}\n\n`);
  }
  events.push(doneEvent);
  return eventStreamResponse(events);
};

function choiceJson(text: string, finishReason: string): string {
  return `{"text":${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":${finishReason}}`;
}
