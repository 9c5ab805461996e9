import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromPieces, splitAt } from '../testing/index.js';
import { removeInjectedUsage } from './remove-injected-usage.js';

const prefix = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini"';
const chunk = (delta: string, finish: string, usage: boolean) =>
  `data: ${prefix},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${usage ? ',"usage":null' : ''}}\n\n`;

/** The stream an upstream sends with and without `stream_options.include_usage`. */
const stream = (withUsage: boolean) =>
  [
    chunk('{"role":"assistant","content":""}', 'null', withUsage),
    chunk('{"content":"你好，"}', 'null', withUsage),
    // Content that quotes the very text being removed must survive: it is escaped inside JSON.
    chunk('{"content":"😀 \\"choices\\":[],\\"usage\\":{} ,\\"usage\\":null"}', 'null', withUsage),
    chunk('{}', '"stop"', withUsage),
    withUsage
      ? `data: ${prefix},"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}\n\n`
      : '',
    'data: [DONE]\n\n',
  ].join('');

const injected = Buffer.from(stream(true));
const expected = stream(false);

const run = async (pieces: readonly Uint8Array[]) => {
  const out: Buffer[] = [];
  for await (const bytes of removeInjectedUsage(fromPieces(pieces))) out.push(Buffer.from(bytes));
  return Buffer.concat(out).toString();
};

describe('removeInjectedUsage', () => {
  it('turns the stream with injected usage into exactly the stream without it', async () => {
    assert.equal(await run([injected]), expected);
  });

  it('passes a stream without usage through unchanged', async () => {
    assert.equal(await run([Buffer.from(expected)]), expected);
  });

  it('gives the same bytes however the upstream cut its stream (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: injected.length }), { maxLength: 30 }),
        async (points) => {
          assert.equal(await run(splitAt(injected, points)), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same bytes when cut at every single point', async () => {
    for (let point = 0; point <= injected.length; point++) {
      assert.equal(await run(splitAt(injected, [point])), expected, `cut at ${point}`);
    }
  });
});
