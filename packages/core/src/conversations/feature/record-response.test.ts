import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CompletedResponse, recordResponse } from './record-response.js';

const collect = async (transform: ReturnType<typeof recordResponse>, chunks: Uint8Array[]) => {
  async function* source() {
    yield* chunks;
  }
  const out: Buffer[] = [];
  for await (const chunk of transform(source())) out.push(Buffer.from(chunk));
  return Buffer.concat(out).toString('utf8');
};

const event = (type: string, data: string) => `event: ${type}\ndata: ${data}\n\n`;
// An upstream whose ids are short enough to appear as text too: only `"id":` values change.
const stream =
  event(
    'response.created',
    '{"type":"response.created","response":{"id":"r1","status":"in_progress","output":[]}}',
  ) +
  event('response.output_text.delta', '{"type":"response.output_text.delta","item_id":"m1","delta":"r1"}') +
  event(
    'response.completed',
    '{"type":"response.completed","response":{"id":"r1","status":"completed","output":[{"type":"message","id":"m1","content":[{"type":"output_text","text":"r1 ✓"}]}]}}',
  );

describe('recordResponse', () => {
  it('writes Ferry’s id over the upstream’s in every event, wherever the stream is split', async () => {
    const bytes = Buffer.from(stream);
    const expected = stream.replaceAll('"id":"r1"', '"id":"resp_ferry"');
    for (let cut = 1; cut < bytes.length; cut++) {
      const completed: CompletedResponse[] = [];
      const text = await collect(
        recordResponse('resp_ferry', true, async (done) => {
          completed.push(done);
        }),
        [bytes.subarray(0, cut), bytes.subarray(cut)],
      );
      assert.equal(text, expected, `split at ${cut}`);
      assert.equal(completed.length, 1);
      assert.equal(completed[0]?.upstreamId, 'r1');
      assert.equal((completed[0]?.output[0] as { id: string } | undefined)?.id, 'm1');
    }
  });

  it('stores nothing for a stream that never completed, and relays it', async () => {
    const cut = stream.slice(0, stream.indexOf('event: response.completed'));
    let stored = 0;
    const text = await collect(
      recordResponse('resp_ferry', true, async () => {
        stored++;
      }),
      [Buffer.from(cut)],
    );
    assert.equal(stored, 0);
    assert.equal(text, cut.replaceAll('"id":"r1"', '"id":"resp_ferry"'));
  });

  it('passes on an endless event without holding it', async () => {
    const huge = `data: ${'x'.repeat(1_100_000)}`;
    const text = await collect(
      recordResponse('resp_ferry', true, async () => {}),
      [Buffer.from(huge.slice(0, 600_000)), Buffer.from(huge.slice(600_000))],
    );
    assert.equal(text, huge);
  });

  it('rewrites the top-level id of a JSON answer and leaves text alone', async () => {
    const body = '{"id":"r1","status":"completed","output":[{"type":"message","content":[{"text":"r1"}]}]}';
    const completed: CompletedResponse[] = [];
    const text = await collect(
      recordResponse('resp_ferry', false, async (done) => {
        completed.push(done);
      }),
      [Buffer.from(body)],
    );
    assert.equal(text, body.replace('"id":"r1"', '"id":"resp_ferry"'));
    assert.equal(completed[0]?.upstreamId, 'r1');
  });
});
