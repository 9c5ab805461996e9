import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type GatewayWithMock, send, startGatewayWithMock } from '../../testing/index.js';

const messages = [{ role: 'user', content: 'Say hello' }];
const chat = (ferry: GatewayWithMock, headers: Record<string, string> = {}, body: object = {}) =>
  send(`${ferry.url}/chat/completions`, {
    headers: { authorization: 'Bearer sk-client-a', ...headers },
    body: { model: 'gpt-4o-mini', messages, ...body },
  });

for (const store of ['memory', 'redis'] as const) {
  describe(`request limits (${store})`, () => {
    let ferry: GatewayWithMock;
    before(async () => {
      ferry = await startGatewayWithMock(
        {
          upstream: { local: true },
          clientKeys: ['sk-client-a', 'sk-client-b'],
          limits: { requests: { limit: 100, windowSeconds: 60 } },
          ...(store === 'redis'
            ? { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: `ferry-test:${randomUUID()}:` } }
            : {}),
        },
        { record: false },
      );
      await ferry.gateway.ready();
    });
    after(() => ferry.close());

    it('admits exactly the limit out of 1000 concurrent requests on one key', async () => {
      const answers = await Promise.all(Array.from({ length: 1000 }, () => chat(ferry)));
      const statuses = answers.map((answer) => answer.status);
      assert.equal(statuses.filter((status) => status === 200).length, 100);
      assert.equal(statuses.filter((status) => status === 429).length, 900);
    });

    it('answers 429 with the OpenAI body, Retry-After and rate-limit headers', async () => {
      const answer = await chat(ferry);
      assert.equal(answer.status, 429);
      const error = (answer.json as { error: Record<string, unknown> }).error;
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.equal(error.type, 'requests');
      assert.equal(error.param, null);
      assert.match(String(error.message), /Limit 100/);
      const retryAfter = Number(answer.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
      assert.equal(answer.headers['x-ratelimit-limit-requests'], '100');
      assert.equal(answer.headers['x-ratelimit-remaining-requests'], '0');
      assert.match(String(answer.headers['x-ratelimit-reset-requests']), /^(\d+(\.\d+)?s|\d+ms)$/);
      assert.equal(answer.headers['ratelimit-policy'], '"requests";q=100;w=60');
      assert.match(String(answer.headers.ratelimit), /^"requests";r=0;t=\d+$/);
    });

    it('counts each client key apart and reports what remains', async () => {
      const answer = await chat(ferry, { authorization: 'Bearer sk-client-b' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['x-ratelimit-remaining-requests'], '99');
      assert.match(String(answer.headers.ratelimit), /^"requests";r=99;t=\d+$/);
    });
  });
}

describe('fixed windows', () => {
  it('admit the limit per window, so up to twice the limit passes across a window boundary', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      limits: { key: 'ip', requests: { limit: 3, windowSeconds: 1 } },
    });
    try {
      const first = await Promise.all(Array.from({ length: 5 }, () => chat(ferry)));
      assert.deepEqual(first.map((answer) => answer.status).sort(), [200, 200, 200, 429, 429]);
      const rejected = first.find((answer) => answer.status === 429);
      // Wait exactly as long as the 429 says, then the next window admits the full limit again.
      await new Promise((resolve) => setTimeout(resolve, Number(rejected?.headers['retry-after-ms']) + 20));
      const second = await Promise.all(Array.from({ length: 5 }, () => chat(ferry)));
      assert.deepEqual(second.map((answer) => answer.status).sort(), [200, 200, 200, 429, 429]);
    } finally {
      await ferry.close();
    }
  });
});

describe('tenant keys', () => {
  it('limits by the tenant header, and falls back to the client key without one', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      clientKeys: ['sk-client-a'],
      limits: { key: 'tenant', requests: { limit: 1 } },
    });
    try {
      assert.equal((await chat(ferry, { 'x-ferry-tenant': 'acme' })).status, 200);
      assert.equal((await chat(ferry, { 'x-ferry-tenant': 'acme' })).status, 429);
      assert.equal((await chat(ferry, { 'x-ferry-tenant': 'globex' })).status, 200);
      assert.equal((await chat(ferry)).status, 200);
      const recorded = ferry.mock.requests.at(-1);
      assert.equal(recorded?.headers['x-ferry-tenant'], undefined);
    } finally {
      await ferry.close();
    }
  });
});

describe("a client's own limits", () => {
  it('apply per client (clients[].limits) without a global limit, with maxTokensPerRequest', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      clients: [
        { id: 'small', keys: ['sk-small'], limits: { requestsPerMinute: 3, maxTokensPerRequest: 100 } },
        { id: 'large', keys: ['sk-large'] },
      ],
    });
    try {
      const small = (body: object = {}) => chat(ferry, { authorization: 'Bearer sk-small' }, body);
      assert.equal((await small()).status, 200);
      assert.equal((await small({ max_tokens: 100 })).status, 200);
      const tooMany = await small({ max_tokens: 101 });
      assert.equal(tooMany.status, 400);
      assert.equal((tooMany.json as { error: { param: string } }).error.param, 'max_tokens');
      const limited = await small();
      assert.equal(limited.status, 429);
      assert.equal(limited.headers['x-ratelimit-limit-requests'], '3');
      const large = await chat(ferry, { authorization: 'Bearer sk-large' });
      assert.equal(large.status, 200);
      assert.equal(large.headers['x-ratelimit-limit-requests'], undefined);
      const tooLong = await chat(ferry, { authorization: 'Bearer sk-large' }, { max_tokens: 101 });
      assert.equal(tooLong.status, 200);
    } finally {
      await ferry.close();
    }
  });
});
