import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI, { APIError } from 'openai';
import { createRedisClient, waitForRedis } from '../../stores/redis-store.js';
import {
  type GatewayServer,
  type GatewayWithMock,
  startGatewayServer,
  startGatewayWithMock,
} from '../../testing/index.js';
import { startTwoTenantGateway, tenantKeys } from './test-tenants.js';

const keyA = tenantKeys.a;
const keyB = tenantKeys.b;
const ferryId = /^resp_[0-9a-f]{48}$/;

type Sent = { input?: unknown; instructions?: unknown; previous_response_id?: unknown };

describe('Responses API previous_response_id over a stateless upstream', () => {
  let ferry: GatewayWithMock;
  let client: OpenAI;
  const sent = () => ferry.mock.requests.at(-1)?.json as Sent;
  before(async () => {
    ferry = await startTwoTenantGateway({ content: 'mock answer', chunks: 3 });
    client = new OpenAI({ baseURL: ferry.url, apiKey: keyA, maxRetries: 0 });
  });
  after(() => ferry.close());

  it('stores responses under its own ids and replays the chain as full input, instructions not inherited', async () => {
    const first = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'answer in French',
      input: 'first question',
    });
    assert.match(first.id, ferryId);
    assert.equal(first.output_text, 'mock answer');
    assert.equal(sent().previous_response_id, undefined);

    const second = await client.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: first.id,
      input: [{ role: 'user', content: 'second question' }],
    });
    assert.match(second.id, ferryId);
    assert.notEqual(second.id, first.id);
    const body = sent();
    assert.equal(body.previous_response_id, undefined);
    assert.equal(body.instructions, undefined, 'instructions are not inherited');
    assert.deepEqual(body.input, [
      { role: 'user', content: 'first question' },
      ...(first.output as unknown[]),
      { role: 'user', content: 'second question' },
    ]);

    // A streamed third turn: the events carry Ferry's id, and the chain grows by it.
    const stream = await client.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: second.id,
      input: 'third question',
      stream: true,
    });
    let streamedId: string | undefined;
    let completedId: string | undefined;
    for await (const event of stream) {
      if (event.type === 'response.created') streamedId = event.response.id;
      if (event.type === 'response.completed') completedId = event.response.id;
    }
    assert.match(streamedId ?? '', ferryId);
    assert.equal(completedId, streamedId);
    assert.equal((sent().input as unknown[]).length, 5);

    const fourth = await client.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: streamedId as string,
      input: 'fourth question',
    });
    const input = sent().input as Array<{ role?: string; content?: unknown }>;
    assert.equal(input.length, 7);
    assert.deepEqual(input.at(-3), { role: 'user', content: 'third question' });
    assert.equal(input.at(-2)?.role, 'assistant');
    assert.match(fourth.id, ferryId);

    // Served back from the store, as OpenAI's GET /v1/responses/{id}.
    const read = await client.responses.retrieve(fourth.id);
    assert.equal(read.id, fourth.id);
    assert.deepEqual(read.output, fourth.output);
    assert.equal(read.previous_response_id, streamedId);
  });

  it('breaks a chain whose middle response was deleted, with a clear 400', async () => {
    const one = await client.responses.create({ model: 'gpt-4o-mini', input: 'one' });
    const two = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'two',
      previous_response_id: one.id,
    });
    const three = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'three',
      previous_response_id: two.id,
    });
    await client.responses.del(two.id);
    const before = ferry.mock.requests.length;
    await assert.rejects(
      client.responses.create({ model: 'gpt-4o-mini', input: 'four', previous_response_id: three.id }),
      (error: unknown) =>
        error instanceof APIError &&
        error.status === 400 &&
        error.code === 'previous_response_not_found' &&
        error.param === 'previous_response_id' &&
        error.message.includes(two.id),
    );
    assert.equal(ferry.mock.requests.length, before, 'nothing was sent upstream');
    await assert.rejects(client.responses.retrieve(two.id), (error: unknown) => {
      return error instanceof APIError && error.status === 404 && error.code === 'response_not_found';
    });
  });

  it('does not store a response sent with store: false', async () => {
    const unstored = await client.responses.create({ model: 'gpt-4o-mini', input: 'private', store: false });
    assert.doesNotMatch(unstored.id, ferryId, 'the upstream answer is passed as it is');
    await assert.rejects(
      client.responses.create({ model: 'gpt-4o-mini', input: 'next', previous_response_id: unstored.id }),
      (error: unknown) => error instanceof APIError && error.status === 400,
    );
  });

  it("treats another tenant's response id as missing", async () => {
    const mine = await client.responses.create({ model: 'gpt-4o-mini', input: 'mine' });
    const other = new OpenAI({ baseURL: ferry.url, apiKey: keyB, maxRetries: 0 });
    await assert.rejects(
      other.responses.create({ model: 'gpt-4o-mini', input: 'theirs', previous_response_id: mine.id }),
      (error: unknown) =>
        error instanceof APIError && error.status === 400 && error.code === 'previous_response_not_found',
    );
    await assert.rejects(other.responses.retrieve(mine.id), (error: unknown) => {
      return error instanceof APIError && error.status === 404;
    });
    await assert.rejects(other.responses.del(mine.id), (error: unknown) => {
      return error instanceof APIError && error.status === 404;
    });
    assert.equal((await client.responses.retrieve(mine.id)).id, mine.id);
  });

  it('refuses a malformed previous_response_id', async () => {
    await assert.rejects(
      client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'bad id!' }),
      (error: unknown) =>
        error instanceof APIError && error.status === 400 && error.code === 'invalid_response_id',
    );
  });
});

describe('Responses API follow-ups pinned to a stateful upstream', () => {
  let stateful: MockUpstream;
  let local: MockUpstream;
  let ferry: GatewayServer;
  let client: OpenAI;
  before(async () => {
    stateful = await startMockUpstream({ content: 'from the stateful upstream' });
    local = await startMockUpstream({ content: 'from the local model' });
    ferry = await startGatewayServer({
      logger: false,
      upstreams: [
        {
          name: 'openai',
          url: stateful.url,
          local: true,
          keys: [
            { apiKey: 'sk-upstream-1', name: 'one' },
            { apiKey: 'sk-upstream-2', name: 'two' },
          ],
        },
        { name: 'ollama', url: local.url, local: true, models: { '*': 'llama3.1' } },
      ],
      fallback: {},
      conversations: { store: 'memory', statefulUpstreams: ['openai'] },
    });
    client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await ferry.close();
    await stateful.close();
    await local.close();
  });

  it('sends follow-ups to the upstream and key that hold the state, and replays when it is down', async () => {
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello' });
    assert.match(first.id, ferryId);
    const firstSent = stateful.requests.at(-1);
    const upstreamKey = firstSent?.headers.authorization;
    // The upstream's own id, from its answer (the mock numbers its responses).
    const upstreamId = `resp_mock_${firstSent?.id}`;

    // Several follow-ups: each goes back to the key that created the state, with its own id.
    let previous = first.id;
    for (let turn = 0; turn < 4; turn++) {
      const { data: next, response } = await client.responses
        .create({ model: 'gpt-4o-mini', input: `follow-up ${turn}`, previous_response_id: previous })
        .withResponse();
      assert.equal(response.headers.get('x-ferry-history'), 'upstream');
      const pinned = stateful.requests.at(-1);
      assert.equal(pinned?.headers.authorization, upstreamKey);
      const body = pinned?.json as Sent;
      assert.equal(body.previous_response_id, turn === 0 ? upstreamId : `resp_mock_${(pinned?.id ?? 0) - 1}`);
      assert.equal(body.input, `follow-up ${turn}`, 'only the new input goes to a stateful upstream');
      previous = next.id;
    }
    assert.equal(local.requests.length, 0);

    // The stateful upstream goes away: the local model gets the visible history replayed.
    await stateful.close();
    const { data: replayed, response } = await client.responses
      .create({ model: 'gpt-4o-mini', input: 'are you there?', previous_response_id: previous })
      .withResponse();
    assert.equal(response.headers.get('x-ferry-history'), 'replayed');
    assert.equal(response.headers.get('x-ferry-upstream'), 'ollama');
    assert.match(response.headers.get('x-ferry-fallback') ?? '', /^openai:/);
    assert.equal(replayed.output_text, 'from the local model');
    const body = local.requests.at(-1)?.json as Sent & { model?: string };
    assert.equal(body.model, 'llama3.1');
    assert.equal(body.previous_response_id, undefined);
    const input = body.input as Array<{ role?: string; content?: unknown }>;
    // hello + answer, four follow-ups + answers, the new question.
    assert.equal(input.length, 11);
    assert.deepEqual(input[0], { role: 'user', content: 'hello' });
    assert.deepEqual(input.at(-1), { role: 'user', content: 'are you there?' });

    // Its answer came from a stateless upstream: the next turn replays too, to whoever serves.
    await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'still?',
      previous_response_id: replayed.id,
    });
    const lastInput = (local.requests.at(-1)?.json as Sent | undefined)?.input as unknown[] | undefined;
    assert.equal(lastInput?.length, 13);
  });
});

describe('a stateful upstream that no longer holds the state', () => {
  it('gets the history replayed on the same upstream when it answers previous_response_not_found', async () => {
    const prefix = `ferry-test-forgot-${process.pid}-${Date.now()}:`;
    const ferry = await startGatewayWithMock({
      upstream: { name: 'openai' },
      redis: { url: process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: prefix },
      conversations: { store: 'redis', statefulUpstreams: ['openai'] },
    });
    const redis = createRedisClient({ url: process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
    try {
      await ferry.gateway.ready();
      await waitForRedis(redis, 5_000);
      const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
      const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'remember this' });
      // The provider expired its copy: the stored pin now names an id it does not hold.
      const key = `${prefix}{resp:${first.id}}`;
      const stored = JSON.parse((await redis.get(key)) as string);
      assert.equal(stored.upstream.name, 'openai');
      stored.upstream.id = 'resp_expired_at_the_provider';
      await redis.set(key, JSON.stringify(stored), 'KEEPTTL');

      const { data, response } = await client.responses
        .create({ model: 'gpt-4o-mini', input: 'and now?', previous_response_id: first.id })
        .withResponse();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-ferry-history'), 'replayed');
      const [refused, replayed] = ferry.mock.requests.slice(-2).map((request) => request.json as Sent);
      assert.equal(refused?.previous_response_id, 'resp_expired_at_the_provider');
      assert.equal(replayed?.previous_response_id, undefined);
      assert.equal((replayed?.input as unknown[] | undefined)?.length, 3);
      // The new response was stored with the upstream's fresh id: the next turn is pinned again.
      const { response: next } = await client.responses
        .create({ model: 'gpt-4o-mini', input: 'third', previous_response_id: data.id })
        .withResponse();
      assert.equal(next.headers.get('x-ferry-history'), 'upstream');
    } finally {
      await redis.del(...(await redis.keys(`${prefix}*`)));
      redis.disconnect();
      await ferry.close();
    }
  });
});
