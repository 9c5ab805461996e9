import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GatewayOptions } from '../../options.js';
import {
  type GatewayServer,
  type RawUpstream,
  startGatewayServer,
  startRawUpstream,
} from '../../testing/index.js';
import type { Upstream } from '../../upstream/upstream.js';
import { errorCode, postChat } from '../resilience/test-client.js';
import { KeyPool, keyMembers } from './key-pool.js';

const completion = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
});

describe('several keys for one upstream', () => {
  let upstream: RawUpstream;
  const seen: string[] = [];
  const limited = new Set<string>();
  const gateways: GatewayServer[] = [];
  before(async () => {
    upstream = await startRawUpstream((request, response) => {
      const key = String(request.headers.authorization).replace('Bearer ', '');
      seen.push(key);
      request.resume();
      if (key.startsWith('sk-quoted')) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(
          `{"error":{"message":"Incorrect API key provided: ${key}","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
        );
        return;
      }
      if (limited.has(key)) {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' });
        response.end('{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(completion);
    });
  });
  after(async () => {
    for (const ferry of gateways) await ferry.close();
    await upstream.close();
  });
  const gatewayFor = async (
    keys: Array<{ apiKey: string; weight?: number }>,
    options: Partial<GatewayOptions> = {},
  ) => {
    const ferry = await startGatewayServer({
      upstream: { url: upstream.url, local: true, keys },
      ...options,
    } as GatewayOptions);
    gateways.push(ferry);
    seen.length = 0;
    return ferry;
  };

  it('cools a key down for its Retry-After on 429 and moves to another key at once', async () => {
    limited.clear();
    limited.add('sk-a');
    const ferry = await gatewayFor([{ apiKey: 'sk-a' }, { apiKey: 'sk-b' }]);
    for (let index = 0; index < 4; index++) {
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 200);
    }
    assert.deepEqual(seen, ['sk-a', 'sk-b', 'sk-b', 'sk-b', 'sk-b'], 'sk-a is asked once, then sits out');
  });

  it('answers 429 with Retry-After when every key is cooling', async () => {
    limited.clear();
    limited.add('sk-a');
    limited.add('sk-b');
    const ferry = await gatewayFor([{ apiKey: 'sk-a' }, { apiKey: 'sk-b' }], { retry: { attempts: 1 } });
    const first = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(first.status, 429, 'the upstream 429 of the last key');
    assert.equal(first.headers['retry-after'], '30');
    assert.equal(first.headers['x-should-retry'], 'false');
    const second = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(second.status, 429);
    assert.equal(errorCode(second.text), 'upstream_keys_cooling');
    assert.match(String(second.headers['retry-after']), /^(29|30)$/);
    assert.deepEqual(seen, ['sk-a', 'sk-b'], 'no key is asked while cooling');
  });

  it('never lets a pooled key reach the client, even quoted in an upstream error', async () => {
    const ferry = await gatewayFor([{ apiKey: 'sk-quoted-pool-key-1' }, { apiKey: 'sk-quoted-pool-key-2' }]);
    for (let index = 0; index < 2; index++) {
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 401);
      assert.doesNotMatch(answer.text, /sk-quoted-pool-key/);
    }
    assert.deepEqual(seen, ['sk-quoted-pool-key-1', 'sk-quoted-pool-key-2']);
  });

  it('spreads by weight', async () => {
    limited.clear();
    const ferry = await gatewayFor([
      { apiKey: 'sk-heavy', weight: 3 },
      { apiKey: 'sk-light', weight: 1 },
    ]);
    for (let index = 0; index < 8; index++) await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(seen.filter((key) => key === 'sk-heavy').length, 6);
    assert.equal(seen.filter((key) => key === 'sk-light').length, 2);
  });
});

describe('KeyPool', () => {
  const upstream = { name: 'u', authorization: undefined } as unknown as Upstream;

  it('prefers the least loaded key relative to its weight', () => {
    const pool = new KeyPool(
      keyMembers(upstream, [
        { apiKey: 'a', weight: 1 },
        { apiKey: 'b', weight: 1 },
      ]),
    );
    const first = pool.pick(0);
    assert.ok(first !== undefined);
    first.inFlight = 5;
    for (let index = 0; index < 3; index++) assert.notEqual(pool.pick(0), first);
    assert.equal(first.upstream.authorization, 'Bearer a');
  });

  it('reports when the first cooling key is free again', () => {
    const pool = new KeyPool(keyMembers(upstream, [{ apiKey: 'a', weight: 1 }]));
    (pool.keys[0] as { coolUntil: number }).coolUntil = 1_500;
    assert.equal(pool.pick(1_000), undefined);
    assert.equal(pool.soonestAvailableMs(1_000), 500);
    assert.equal(pool.pick(1_500)?.name, 'key0');
  });
});
