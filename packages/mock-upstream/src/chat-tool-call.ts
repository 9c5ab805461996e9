import { contentChunks } from './content-chunks.js';
import { unixSeconds, usageJson, wantsStreamUsage } from './endpoint.js';
import { doneEvent, eventStreamResponse, jsonResponse, type PlannedResponse } from './planned-response.js';

/**
 * The function a chat request's `tool_choice` forces: the named one, or the first tool for
 * `required`; undefined when the model may answer in text.
 *
 * @example
 * forcedFunction([{ type: 'function', function: { name: 'lookup' } }], 'required'); // 'lookup'
 */
export function forcedFunction(tools: unknown, choice: unknown): string | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  if (choice === 'required') {
    const name = (tools[0] as { function?: { name?: unknown } }).function?.name;
    return typeof name === 'string' ? name : undefined;
  }
  if (typeof choice !== 'object' || choice === null) return undefined;
  const name = (choice as { function?: { name?: unknown } }).function?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * A chat answer that calls `name` with arguments `{"text": <content>}` and finish reason
 * `tool_calls`; streamed, the id and name come in the first delta and the arguments in
 * `chunks` pieces, as OpenAI streams them.
 */
export function chatToolCall(
  id: number,
  model: string,
  name: string,
  body: Record<string, unknown>,
  content: string,
  chunks: number,
  promptTokens: number,
): PlannedResponse {
  const callId = `call_mock_${id}`;
  const args = JSON.stringify({ text: content });
  const created = unixSeconds();
  const head = `{"id":"chatcmpl-mock-${id}","object":"chat.completion${body.stream === true ? '.chunk' : ''}","created":${created},"model":${JSON.stringify(model)}`;
  const pieces = contentChunks(args, chunks);
  if (body.stream !== true) {
    const call = `{"id":"${callId}","type":"function","function":{"name":${JSON.stringify(name)},"arguments":${JSON.stringify(args)}}}`;
    return jsonResponse(
      200,
      `${head},"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[${call}],"refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],"usage":${usageJson(promptTokens, pieces.length)}}`,
    );
  }
  const includeUsage = wantsStreamUsage(body);
  const usage = includeUsage ? ',"usage":null' : '';
  const event = (delta: string, finish: string) =>
    `data: ${head},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${usage}}\n\n`;
  const events = [
    event(
      `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${callId}","type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}}]}`,
      'null',
    ),
  ];
  for (const piece of pieces) {
    events.push(
      event(`{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(piece)}}}]}`, 'null'),
    );
  }
  events.push(event('{}', '"tool_calls"'));
  if (includeUsage)
    events.push(`data: ${head},"choices":[],"usage":${usageJson(promptTokens, pieces.length)}}\n\n`);
  events.push(doneEvent);
  return eventStreamResponse(events);
}
