import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from './index.js';
import { postJson } from './testing/http-client.js';

interface EmbeddingList {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

describe('POST /v1/embeddings', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  after(() => mock.close());

  const embed = async (body: Record<string, unknown>) => {
    const response = await postJson(`${mock.url}/embeddings`, { model: 'text-embedding-3-small', ...body });
    return { status: response.status, list: JSON.parse(response.text) as EmbeddingList };
  };

  it('returns one deterministic unit vector of the default length per input', async () => {
    const { status, list } = await embed({ input: ['hello', 'world', 'hello'] });
    assert.equal(status, 200);
    assert.equal(list.object, 'list');
    assert.equal(list.model, 'text-embedding-3-small');
    assert.deepEqual(
      list.data.map((item) => [item.object, item.index]),
      [
        ['embedding', 0],
        ['embedding', 1],
        ['embedding', 2],
      ],
    );
    const [hello, world, helloAgain] = list.data.map((item) => item.embedding as number[]);
    assert.equal(hello?.length, 8);
    assert.deepEqual(hello, helloAgain);
    assert.notDeepEqual(hello, world);
    const norm = Math.sqrt((hello ?? []).reduce((sum, value) => sum + value * value, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    assert.deepEqual(list.usage, { prompt_tokens: 6, total_tokens: 6 });
    const single = await embed({ input: 'hello' });
    assert.deepEqual(single.list.data[0]?.embedding, hello);
  });

  it('honours the request dimensions and rejects bad ones', async () => {
    const { list } = await embed({ input: 'hello', dimensions: 3 });
    assert.equal((list.data[0]!.embedding as number[]).length, 3);
    const bad = await postJson(`${mock.url}/embeddings`, { model: 'm', input: 'x', dimensions: 0 });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.text).error.param, 'dimensions');
  });

  it('encodes float32 little-endian base64 when asked, as the openai SDK asks by default', async () => {
    const floats = await embed({ input: 'hello' });
    const encoded = await embed({ input: 'hello', encoding_format: 'base64' });
    const bytes = Buffer.from(encoded.list.data[0]?.embedding as string, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    assert.deepEqual(decoded, floats.list.data[0]?.embedding);
  });

  it('answers 400 for the whole request when one input is over the model window', async () => {
    const long = 'x'.repeat(4 * 8192 + 4);
    const { status, list } = await embed({ input: ['fine', long, 'also fine'] });
    assert.equal(status, 400);
    const error = (list as unknown as { error: { param: string; message: string } }).error;
    assert.equal(error.param, 'input');
    assert.match(error.message, /maximum context length is 8192 tokens/);
    assert.equal((await embed({ input: ['x'.repeat(4 * 8192)] })).status, 200, 'exactly the window is fine');
  });

  it('treats a flat token array as one input and needs an input', async () => {
    const { list } = await embed({ input: [1, 2, 3] });
    assert.equal(list.data.length, 1);
    assert.equal(list.usage.prompt_tokens, 3);
    const missing = await postJson(`${mock.url}/embeddings`, { model: 'm' });
    assert.equal(missing.status, 400);
    assert.equal(JSON.parse(missing.text).error.param, 'input');
  });
});
