import type { ChatUsage } from '../formats/openai-chat-types.js';
import type { JsonObject } from '../types.js';

const encoder = new TextEncoder();
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * `response.done.response.usage` of the Realtime API as Chat Completions `usage`: input and
 * output tokens as prompt and completion tokens, cached and audio tokens in the details. The
 * usage field comes last in what Ferry writes, where the usage tap reads it.
 *
 * @example
 * chatUsage({ input_tokens: 5, output_tokens: 3, total_tokens: 8, input_token_details: { cached_tokens: 2 } });
 * // { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 }, ... }
 */
export function chatUsage(usage: unknown): ChatUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const { input_tokens, output_tokens, total_tokens, input_token_details, output_token_details } =
    usage as JsonObject;
  const input = (input_token_details ?? {}) as JsonObject;
  const output = (output_token_details ?? {}) as JsonObject;
  const prompt = num(input_tokens);
  const completion = num(output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(total_tokens) || prompt + completion,
    prompt_tokens_details: { cached_tokens: num(input.cached_tokens), audio_tokens: num(input.audio_tokens) },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: num(output.audio_tokens),
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * The chat `finish_reason` of a finished Realtime response: `length` when it stopped at
 * `max_output_tokens`, `content_filter` when the upstream's filter cut it, `stop` otherwise.
 *
 * @example
 * finishReason({ status: 'incomplete', status_details: { reason: 'max_output_tokens' } }); // 'length'
 */
export function finishReason(response: JsonObject): string {
  if (response.status !== 'incomplete') return 'stop';
  const reason = (response.status_details as JsonObject | null | undefined)?.reason;
  if (reason === 'max_output_tokens') return 'length';
  if (reason === 'content_filter') return 'content_filter';
  return 'stop';
}

/**
 * Writes the Chat Completions answer of one Realtime response: SSE chunks as OpenAI sends them
 * (role first, one chunk per text delta, the finish reason, the usage chunk, `[DONE]`) or the
 * whole `chat.completion`. The id, `created` and model are fixed once per answer.
 *
 * @example
 * const writer = new ChatAnswerWriter('chatcmpl-resp_1', 'gpt-realtime');
 * writer.roleChunk(); writer.deltaChunk('Hi'); writer.endChunks('stop', usage);
 */
export class ChatAnswerWriter {
  readonly #head: string;
  readonly #id: string;
  readonly #model: string;
  readonly #created = Math.floor(Date.now() / 1000);

  constructor(id: string, model: string) {
    this.#id = id;
    this.#model = model;
    this.#head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${this.#created},"model":${JSON.stringify(model)}`;
  }

  roleChunk(): Uint8Array {
    return this.#chunk('{"role":"assistant","content":""}', 'null');
  }

  deltaChunk(text: string): Uint8Array {
    return this.#chunk(`{"content":${JSON.stringify(text)}}`, 'null');
  }

  /** The finish chunk, then the usage chunk (when known) and `[DONE]`, as one write. */
  endChunks(finish: string, usage: ChatUsage | undefined): Uint8Array {
    let text = `data: ${this.#head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(finish)}}]}\n\n`;
    if (usage !== undefined) text += `data: ${this.#head},"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
    return encoder.encode(`${text}data: [DONE]\n\n`);
  }

  /** The non-stream answer. */
  completion(content: string, finish: string, usage: ChatUsage | undefined): Uint8Array {
    const completion: JsonObject = {
      id: this.#id,
      object: 'chat.completion',
      created: this.#created,
      model: this.#model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finish,
        },
      ],
    };
    if (usage !== undefined) completion.usage = usage;
    return encoder.encode(JSON.stringify(completion));
  }

  #chunk(delta: string, finish: string): Uint8Array {
    return encoder.encode(
      `data: ${this.#head},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`,
    );
  }
}
