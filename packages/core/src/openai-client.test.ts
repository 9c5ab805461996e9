import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { type GatewayWithMock, startGatewayWithMock } from './testing/index.js';

const clientKey = 'sk-ferry-client';

describe('the official openai client through the core gateway', () => {
  let ferry: GatewayWithMock;
  let client: OpenAI;
  before(async () => {
    ferry = await startGatewayWithMock(
      { clientKeys: [clientKey], requestStreamUsage: true },
      { chunks: 4, content: '你好，世界！😀' },
    );
    client = new OpenAI({ baseURL: ferry.url, apiKey: clientKey, maxRetries: 0 });
  });
  after(() => ferry.close());

  it('completes a chat', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(completion.choices[0]?.message.content, '你好，世界！😀');
    assert.equal(completion.usage?.completion_tokens, 4);
  });

  it('streams a chat, with the usage it asked for and none it did not', async () => {
    let content = '';
    for await (const chunk of await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })) {
      assert.equal('usage' in chunk, false);
      content += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(content, '你好，世界！😀');

    const chunks = [];
    for await (const chunk of await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })) {
      chunks.push(chunk);
    }
    assert.equal(chunks.at(-1)?.usage?.completion_tokens, 4);
  });

  it('creates embeddings', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    assert.equal(result.data.length, 1);
  });

  it('surfaces an upstream failure mid-stream as an APIError, not a short answer', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-mock-fault': 'reset-after=3' } },
    );
    let content = '';
    await assert.rejects(
      async () => {
        for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      },
      (error: unknown) => error instanceof APIError && /failed mid-response/.test(error.message),
    );
    assert.ok(content.length > 0 && content !== '你好，世界！😀');
  });

  it('surfaces a gateway error with its status and code', async () => {
    const denied = new OpenAI({ baseURL: ferry.url, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(denied.models.list(), (error: unknown) => {
      assert.ok(error instanceof APIError);
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_api_key');
      return true;
    });
  });
});
