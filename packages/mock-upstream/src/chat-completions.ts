import { BoundedCache } from './bounded-cache.js';
import { chatToolCall, forcedFunction } from './chat-tool-call.js';
import { contentChunks } from './content-chunks.js';
import { type Endpoint, missingParameter, unixSeconds, usageJson, wantsStreamUsage } from './endpoint.js';
import { doneEvent, eventStreamResponse, jsonResponse } from './planned-response.js';
import { estimateChatPromptTokens } from './token-estimate.js';

// Everything after `"created":N` up to the prompt token count depends only on (model, content),
// so it is serialised once; a request then costs a few string concatenations.
const completionTails = new BoundedCache<string, string>(1_000);
// Stream events without their per-request `{"id":...,"created":...,"model":...` prefix.
const streamSuffixes = new BoundedCache<string, readonly string[]>(1_000);

/**
 * `POST /v1/chat/completions`: a `chat.completion` object, or with `stream: true` a
 * `chat.completion.chunk` stream: a role chunk, one chunk per content piece, a `finish_reason`
 * chunk, a usage chunk (only with `stream_options.include_usage`) and `[DONE]`.
 * A `tool_choice` that forces a function gets a call to it instead (`chat-tool-call.ts`).
 * `completion_tokens` is the number of content pieces; prompt tokens follow `estimateChatPromptTokens`.
 *
 * @example
 * chatCompletions({ id: 1, body: { model: 'gpt-4o', messages: [] }, settings, options });
 */
export const chatCompletions: Endpoint = ({ id, body, settings }) => {
  const { model, messages } = body;
  if (typeof model !== 'string') return missingParameter('model');
  if (!Array.isArray(messages)) return missingParameter('messages');
  const pieces = contentChunks(settings.content, settings.chunks);
  const promptTokens = estimateChatPromptTokens(messages);
  const tool = forcedFunction(body.tools, body.tool_choice);
  if (tool !== undefined) {
    return chatToolCall(id, model, tool, body, settings.content, settings.chunks, promptTokens);
  }
  const created = unixSeconds();
  if (body.stream !== true) {
    const tailKey = `${model}\u0000${settings.content}`;
    const tail =
      completionTails.get(tailKey) ?? completionTails.set(tailKey, completionTail(model, settings.content));
    return jsonResponse(
      200,
      `{"id":"chatcmpl-mock-${id}","object":"chat.completion","created":${created}${tail}${promptTokens},"completion_tokens":${pieces.length},"total_tokens":${promptTokens + pieces.length}}}`,
    );
  }
  const includeUsage = wantsStreamUsage(body);
  const suffixKey = `${includeUsage}\u0000${settings.chunks}\u0000${settings.content}`;
  const suffixes =
    streamSuffixes.get(suffixKey) ?? streamSuffixes.set(suffixKey, streamEventSuffixes(pieces, includeUsage));
  const prefix = `data: {"id":"chatcmpl-mock-${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}`;
  const events: string[] = [];
  for (const suffix of suffixes) events.push(prefix + suffix);
  if (includeUsage) {
    events.push(`${prefix},"choices":[],"usage":${usageJson(promptTokens, pieces.length)}}\n\n`);
  }
  events.push(doneEvent);
  return eventStreamResponse(events);
};

function completionTail(model: string, content: string): string {
  const message = `{"role":"assistant","content":${JSON.stringify(content)},"refusal":null}`;
  return `,"model":${JSON.stringify(model)},"choices":[{"index":0,"message":${message},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":`;
}

function streamEventSuffixes(pieces: readonly string[], includeUsage: boolean): readonly string[] {
  const usage = includeUsage ? ',"usage":null' : '';
  const choice = (delta: string, finishReason: string) =>
    `,"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]${usage}}\n\n`;
  const suffixes = [choice('{"role":"assistant","content":""}', 'null')];
  for (const piece of pieces) suffixes.push(choice(`{"content":${JSON.stringify(piece)}}`, 'null'));
  suffixes.push(choice('{}', '"stop"'));
  return Object.freeze(suffixes);
}
