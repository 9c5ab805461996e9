import { GatewayError, toGatewayError } from '../../errors.js';
import { parseObject } from '../../filter/sse-event.js';
import { ChatStreamAggregator } from '../../formats/chat-stream-aggregator.js';
import { ResponsesStreamAggregator } from '../../formats/responses-stream-aggregator.js';
import { readSseEvents } from '../../formats/sse-message.js';
import type { StreamAggregator } from '../../formats/stream-converter.js';
import type { JsonObject } from '../../types.js';
import type { CompiledEnvelope, Mapping } from './compile-envelopes.js';
import { answerInput } from './envelope-input.js';

const encoder = new TextEncoder();

/**
 * Maps a chat or Responses stream event by event: each text delta becomes one event of the
 * envelope's format, an error event the mapped error, and the end a final event built from the
 * aggregate of the stream (which also proves it complete: a cut stream ends with the mapped
 * error and throws, so the connection is aborted, never ended as a success).
 *
 * @internal
 */
export async function* envelopeStream(
  source: AsyncIterable<Uint8Array>,
  envelope: CompiledEnvelope,
  chat: boolean,
  request: JsonObject | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = envelope.stream as NonNullable<CompiledEnvelope['stream']>;
  const encode = (value: unknown) =>
    encoder.encode(
      stream.format === 'sse' ? `data: ${JSON.stringify(value)}\n\n` : `${JSON.stringify(value)}\n`,
    );
  const aggregator = (
    chat ? new ChatStreamAggregator() : new ResponsesStreamAggregator()
  ) as StreamAggregator<unknown>;
  for await (const event of readSseEvents(source)) {
    aggregator.push(event);
    const data = parseObject(event.data);
    if (data === undefined) continue;
    if (data.error !== undefined && (chat || event.event === 'error' || event.event === undefined)) {
      yield encode(await mapError(envelope.error, data.error, 502, request));
      continue;
    }
    if (chat) {
      const choices = data.choices;
      if (!Array.isArray(choices)) continue;
      for (const choice of choices as Array<{ index?: unknown; delta?: { content?: unknown } }>) {
        const text = choice.delta?.content;
        if (typeof text === 'string' && text !== '') {
          yield encode(
            await evaluate(stream.delta, { text, index: choice.index ?? 0, request }, 'stream.delta'),
          );
        }
      }
    } else if (event.event === 'response.output_text.delta' && typeof data.delta === 'string') {
      yield encode(
        await evaluate(
          stream.delta,
          { text: data.delta, index: data.output_index ?? 0, request },
          'stream.delta',
        ),
      );
    }
  }
  let answer: unknown;
  try {
    answer = aggregator.finish();
  } catch (thrown) {
    const error = toGatewayError(thrown);
    yield encode(await mapError(envelope.error, error.toJSON().error, error.status, request));
    throw error;
  }
  if (stream.final !== undefined)
    yield encode(await evaluate(stream.final, answerInput(answer, request), 'stream.final'));
}

/** Evaluates a mapping; a mapping that fails on this input is a 500 `envelope_failed`. */
export async function evaluate(mapping: Mapping, input: unknown, part: string): Promise<unknown> {
  try {
    return (await mapping(input)) ?? null;
  } catch (error) {
    throw new GatewayError(
      'envelope_failed',
      `The response envelope's ${part} mapping failed on this answer.`,
      {
        cause: error,
      },
    );
  }
}

/** The error in the envelope's shape, or the OpenAI error itself when it maps none (or fails). */
export async function mapError(
  mapping: Mapping | undefined,
  error: unknown,
  status: number,
  request: JsonObject | undefined,
): Promise<unknown> {
  if (mapping === undefined) return { error };
  try {
    return (await mapping({ error, status, request })) ?? null;
  } catch {
    return { error };
  }
}
