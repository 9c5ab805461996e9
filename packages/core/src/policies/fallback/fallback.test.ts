import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import type { GatewayOptions, UpstreamOptions } from '../../options.js';
import { type GatewayServer, startGatewayServer, startRawUpstream } from '../../testing/index.js';
import { errorCode, postChat } from '../resilience/test-client.js';

describe('fallback chain', () => {
  let secondary: MockUpstream;
  let local: MockUpstream;
  let downUrl: string;
  const gateways: GatewayServer[] = [];
  const upstreams = (): UpstreamOptions[] => [
    { name: 'primary', url: downUrl, local: true },
    // Every model becomes a fault on the secondary: it always answers 503.
    { name: 'secondary', url: secondary.url, local: true, models: { '*': 'mock-fault:status=503' } },
    { name: 'ollama', url: local.url, local: true, models: { '*': 'llama3.1' } },
  ];
  const gatewayFor = async (options: Partial<GatewayOptions>) => {
    const ferry = await startGatewayServer({ upstreams: upstreams(), ...options } as GatewayOptions);
    gateways.push(ferry);
    return ferry;
  };
  before(async () => {
    const down = await startRawUpstream(() => {});
    downUrl = down.url;
    await down.close();
    secondary = await startMockUpstream({ chunks: 2 });
    local = await startMockUpstream({ chunks: 2, content: 'from the local model' });
  });
  beforeEach(() => {
    secondary.reset();
    local.reset();
  });
  after(async () => {
    for (const ferry of gateways) await ferry.close();
    await secondary.close();
    await local.close();
  });

  it('falls back down the chain to the local model, mapping the model name', async () => {
    const ferry = await gatewayFor({ fallback: {} });
    const answer = await postChat(ferry.url, { model: 'gpt-4o' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-ferry-upstream'], 'ollama');
    assert.equal(answer.headers['x-ferry-fallback'], 'primary:upstream_unreachable, secondary:503');
    assert.equal((local.requests[0]?.json as { model?: string } | undefined)?.model, 'llama3.1');
    assert.match(answer.text, /from the local model/);
  });

  it('uses the chain of the requested model', async () => {
    const ferry = await gatewayFor({ fallback: { chain: ['primary'], models: { 'gpt-4o': ['ollama'] } } });
    const answer = await postChat(ferry.url, { model: 'gpt-4o', stream: true });
    assert.equal(answer.headers['x-ferry-upstream'], 'ollama');
    assert.equal(answer.headers['x-ferry-fallback'], undefined);
    assert.match(answer.text, /data: \[DONE\]/);
    const other = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(other.status, 502);
    assert.equal(errorCode(other.text), 'upstream_unreachable');
    assert.equal(other.headers['x-should-retry'], 'false');
  });

  it('passes the last failure through when there is no degraded answer', async () => {
    const ferry = await gatewayFor({ fallback: { chain: ['primary', 'secondary'] } });
    const answer = await postChat(ferry.url, { model: 'gpt-4o' });
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['x-ferry-upstream'], undefined);
    assert.equal(answer.headers['x-ferry-fallback'], 'primary:upstream_unreachable, secondary:503');
    assert.equal(answer.headers['x-should-retry'], 'false');
    assert.equal((JSON.parse(answer.text) as { error: { type: string } }).error.type !== undefined, true);
  });

  it('ends with the degraded answer in the format the client asked for', async () => {
    const ferry = await gatewayFor({
      fallback: { chain: ['primary', 'secondary'], degraded: { content: 'Busy, try again soon.' } },
    });
    const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(completion.choices[0]?.message.content, 'Busy, try again soon.');
    assert.equal(completion.model, 'gpt-4o');
    assert.equal(response.headers.get('x-ferry-upstream'), 'degraded');
    assert.equal(response.headers.get('x-ferry-fallback'), 'primary:upstream_unreachable, secondary:503');

    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'Busy, try again soon.');
    assert.equal(finish, 'stop');
  });

  it('does not fall back after a client error', async () => {
    const ferry = await gatewayFor({ fallback: { chain: ['ollama', 'secondary'] } });
    const answer = await postChat(ferry.url, { model: 'gpt-4o' }, { 'x-mock-fault': 'status=400' });
    assert.equal(answer.status, 400);
    assert.equal(answer.headers['x-ferry-upstream'], 'ollama');
    assert.equal(secondary.requests.length, 0);
  });
});

describe('stream hedging', () => {
  let slow: MockUpstream;
  let fast: MockUpstream;
  let ferry: GatewayServer;
  before(async () => {
    slow = await startMockUpstream({ latencyMs: 5_000 });
    fast = await startMockUpstream({ chunks: 3 });
    ferry = await startGatewayServer({
      upstreams: [
        { name: 'slow', url: slow.url, local: true },
        { name: 'fast', url: fast.url, local: true },
      ],
      fallback: { hedgeAfterMs: 50 },
      logger: false,
    });
  });
  after(async () => {
    await ferry.close();
    await slow.close();
    await fast.close();
  });

  it('picks the upstream that sends the first byte and aborts the slower one', async () => {
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini', stream: true });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-ferry-upstream'], 'fast');
    assert.match(answer.text, /data: \[DONE\]/);
    const loser = slow.requests[0];
    assert.ok(loser !== undefined, 'the slow upstream was asked first');
    assert.equal((await loser.closed).completed, false, 'the slow upstream saw its request aborted');
  });

  it('does not hedge requests that are not streams', async () => {
    fast.reset();
    slow.setOptions({ latencyMs: 100 });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.headers['x-ferry-upstream'], 'slow');
    assert.equal(fast.requests.length, 0);
  });
});
