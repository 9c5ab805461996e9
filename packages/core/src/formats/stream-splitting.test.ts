import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromPieces, splitAt } from '../testing/index.js';
import { AnthropicStreamToOpenAI } from './anthropic-stream-to-openai.js';
import { chatCompletionToChunks } from './chat-completion-to-chunks.js';
import { ChatStreamAggregator } from './chat-stream-aggregator.js';
import type { ChatCompletion } from './openai-chat-types.js';
import { encodeSseEvents } from './sse-message.js';
import { aggregateEventStream, convertEventStream } from './stream-converter.js';
import { fixtureText } from './test-fixtures.js';

// Property tests: however the bytes are cut (inside UTF-8 characters, between CR and LF),
// the aggregate is the one of the uncut stream.

const pieces = ['Hello', ' ', '你好', '😀', 'é', '"', '\\', '\n', 'a', '{"x":', '1}'];
const text = fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((parts) => parts.join(''));
const withCrLf = (sse: string) => sse.replaceAll('\n', '\r\n');

const chatStream = (content: string, args: string): string => {
  const completion: ChatCompletion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: content === '' ? null : content,
          refusal: null,
          reasoning_content: '想一想😀',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: args } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  };
  return encodeSseEvents(chatCompletionToChunks(completion, { includeUsage: true, maxChunkChars: 3 }));
};

const anthropicStream = (content: string): string =>
  fixtureText('anthropic-tool-stream.sse').replace('"text":"Okay"', `"text":${JSON.stringify(content)}`);

const aggregateChat = (bytes: Uint8Array, cuts: number[]) =>
  aggregateEventStream(fromPieces(splitAt(bytes, cuts)), new ChatStreamAggregator());

const aggregateConverted = async (bytes: Uint8Array, cuts: number[]) => {
  const converted = convertEventStream(() => new AnthropicStreamToOpenAI({ includeUsage: true, created: 1 }));
  return aggregateEventStream(converted(fromPieces(splitAt(bytes, cuts))), new ChatStreamAggregator());
};

const cutsOf = (bytes: Uint8Array) =>
  fc.uniqueArray(fc.integer({ min: 0, max: bytes.byteLength }), { maxLength: 40 });

describe('stream splitting', () => {
  it('a chat stream cut at every single byte, LF and CRLF, aggregates to the same object', async () => {
    for (const sse of [
      fixtureText('openai-tool-stream.sse'),
      withCrLf(chatStream('你好😀 é', '{"a":"ü"}')),
    ]) {
      const bytes = Buffer.from(sse);
      const whole = await aggregateChat(bytes, []);
      for (let cut = 0; cut <= bytes.byteLength; cut++)
        assert.deepEqual(await aggregateChat(bytes, [cut]), whole);
    }
  });

  it('a chat stream cut at many points aggregates to the same object (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(text, text, fc.boolean()).chain(([content, args, crlf]) => {
          const sse = chatStream(content, args);
          const bytes = Buffer.from(crlf ? withCrLf(sse) : sse);
          return fc.tuple(fc.constant({ content, args }), fc.constant(bytes), cutsOf(bytes));
        }),
        async ([sent, bytes, cuts]) => {
          const cut = await aggregateChat(bytes, cuts);
          assert.equal(cut.choices[0]?.message.content, sent.content === '' ? null : sent.content);
          assert.equal(cut.choices[0]?.message.tool_calls?.[0]?.function.arguments, sent.args);
          assert.deepEqual(cut, await aggregateChat(bytes, []));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an Anthropic stream cut at every single byte converts to chunks that aggregate to the same object', async () => {
    for (const sse of [fixtureText('anthropic-thinking-stream.sse'), withCrLf(anthropicStream('天气😀'))]) {
      const bytes = Buffer.from(sse);
      const whole = await aggregateConverted(bytes, []);
      assert.ok(whole.choices.length === 1);
      for (let cut = 0; cut <= bytes.byteLength; cut++)
        assert.deepEqual(await aggregateConverted(bytes, [cut]), whole);
    }
  });

  it('an Anthropic stream cut at many points converts to the same aggregate (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(text, fc.boolean()).chain(([content, crlf]) => {
          const sse = anthropicStream(content);
          const bytes = Buffer.from(crlf ? withCrLf(sse) : sse);
          return fc.tuple(fc.constant(content), fc.constant(bytes), cutsOf(bytes));
        }),
        async ([content, bytes, cuts]) => {
          const cut = await aggregateConverted(bytes, cuts);
          assert.ok(cut.choices[0]?.message.content?.startsWith(`${content},`));
          assert.deepEqual(cut, await aggregateConverted(bytes, []));
        },
      ),
      { numRuns: 60 },
    );
  });
});
