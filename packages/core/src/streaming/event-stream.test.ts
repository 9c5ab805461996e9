import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromPieces, splitAt } from '../testing/index.js';
import { eventStreamEvents } from './event-stream.js';

const collect = async (pieces: readonly Uint8Array[]) => {
  const events: string[] = [];
  for await (const event of eventStreamEvents(fromPieces(pieces))) events.push(Buffer.from(event).toString());
  return events;
};

const cutsOf = (bytes: Uint8Array) =>
  fc.uniqueArray(fc.integer({ min: 0, max: bytes.byteLength }), { maxLength: 30 });

// Lines of SSE-ish text with every terminator style, multi-byte characters, CR and LF alone.
const line = fc
  .array(fc.constantFrom('data: ', 'a', '{"x":1}', '你', '😀', 'é', ':', ' ', '\r', '\n', '\r\n'), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));
const streamText = fc
  .array(fc.tuple(line, fc.constantFrom('\n\n', '\r\n\r\n', '\r\r', '\n', '')), { maxLength: 10 })
  .map((items) => items.map(([text, end]) => text + end).join(''));

describe('eventStreamEvents', () => {
  it('splits events at LF LF, CRLF CRLF and CR CR, keeping the terminators', async () => {
    const text = 'data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: tail';
    assert.deepEqual(await collect([Buffer.from(text)]), [
      'data: a\n\n',
      'data: b\r\n\r\n',
      'data: c\r\r',
      'data: tail',
    ]);
  });

  it('yields nothing for an empty stream', async () => {
    assert.deepEqual(await collect([]), []);
    assert.deepEqual(await collect([new Uint8Array(0), new Uint8Array(0)]), []);
  });

  it('gives the same events and bytes however the stream is cut (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamText.chain((text) => {
          const bytes = Buffer.from(text);
          return fc.tuple(fc.constant(bytes), cutsOf(bytes));
        }),
        async ([bytes, cuts]) => {
          const whole = await collect([bytes]);
          const pieces = await collect(splitAt(bytes, cuts));
          assert.deepEqual(pieces, whole);
          assert.equal(whole.join(''), bytes.toString());
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives the same events when cut at every single point of a multi-byte, CRLF stream', async () => {
    const bytes = Buffer.from('data: 你好😀\r\n\r\n: comment\n\ndata: {"a":"é"}\r\rdata: [DONE]\n\n');
    const whole = await collect([bytes]);
    assert.equal(whole.length, 4);
    for (let point = 0; point <= bytes.byteLength; point++) {
      assert.deepEqual(await collect(splitAt(bytes, [point])), whole, `cut at ${point}`);
    }
  });
});
