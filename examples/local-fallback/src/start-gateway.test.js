// @ts-check
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import { startGateway } from './start-gateway.js';

describe('local fallback example', () => {
  /** @type {Awaited<ReturnType<typeof startGateway>>} */
  let running;
  before(async () => {
    running = await startGateway({ port: 0, logger: false });
  });
  after(() => running.close());

  it('answers from the local model when the cloud API is unreachable, and says so', async () => {
    const client = new OpenAI({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'Hello from the local model.');
    assert.equal(response.headers.get('x-ferry-upstream'), 'ollama');
    assert.equal(response.headers.get('x-ferry-fallback'), 'cloud:upstream_unreachable');
  });

  it('streams from the local model', async () => {
    const client = new OpenAI({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello from the local model.');
  });

  it('sends the local model name the local server knows', async () => {
    const local = await startMockUpstream();
    const withRecorder = await startGateway({
      port: 0,
      logger: false,
      localUrl: local.url,
      localModel: 'qwen2.5:7b',
    });
    try {
      const client = new OpenAI({ baseURL: withRecorder.url, apiKey: 'unused', maxRetries: 0 });
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      });
      const recorded = await local.nextRequest();
      assert.equal(/** @type {{ model: string }} */ (recorded.json).model, 'qwen2.5:7b');
    } finally {
      await withRecorder.close();
      await local.close();
    }
  });
});
