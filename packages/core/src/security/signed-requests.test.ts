import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '../signing/sign-request.js';
import { createRedisClient, waitForRedis } from '../stores/redis-store.js';
import {
  assertErrorAnswer,
  captureLogs,
  type GatewayWithMock,
  rawExchange,
  send,
  splitRawResponse,
  startGatewayWithMock,
} from '../testing/index.js';
import { rotatedSigningSecret, testSigningSecret } from './test-secrets.js';

const keyId = 'coze-plugin';
const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '你好' }] });

const signingOptions = (extra: Record<string, unknown> = {}) => ({
  clients: [{ id: keyId, tenant: 'acme', allowedModels: ['gpt-4o-mini'] }],
  signing: { keys: [{ keyId, secrets: [testSigningSecret, rotatedSigningSecret] }], ...extra },
});

/** Sends `body` to `path` on the gateway with the given signature headers (or none). */
const sendSigned = (
  ferry: GatewayWithMock,
  path: string,
  headers: Record<string, string>,
  /** `null`: a GET without a body. */
  body: string | null = chat,
) =>
  send(`${ferry.origin}${path}`, {
    method: body === null ? 'GET' : 'POST',
    headers: body === null ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === null ? {} : { body }),
  });

const sign = (path: string, body: string | null = chat, overrides: Record<string, unknown> = {}) =>
  signRequest({
    keyId,
    secret: testSigningSecret,
    method: body === null ? 'GET' : 'POST',
    url: path,
    body: body ?? undefined,
    ...overrides,
  }) as unknown as Record<string, string>;

describe('signed requests', () => {
  let ferry: GatewayWithMock;
  const logs = captureLogs('info');
  before(async () => {
    ferry = await startGatewayWithMock({ ...signingOptions(), logger: logs.logger });
  });
  after(() => ferry.close());

  it('accepts a signed request, identifies the client, and sends no signature upstream', async () => {
    const answer = await sendSigned(ferry, '/v1/chat/completions', sign('/v1/chat/completions'));
    assert.equal(answer.status, 200, answer.text);
    const upstream = ferry.mock.requests.at(-1);
    assert.ok(upstream);
    assert.ok(!Object.keys(upstream.headers).some((name) => name.startsWith('x-ferry-')));
    const line = await logs.waitFor((entry) => entry.requestId === answer.headers['x-request-id']);
    assert.equal(line.client, keyId);
    assert.equal(line.signed, true);
  });

  it('accepts the rotated secret too', async () => {
    const headers = sign('/v1/chat/completions', chat, { secret: rotatedSigningSecret });
    const answer = await sendSigned(ferry, '/v1/chat/completions', headers);
    assert.equal(answer.status, 200);
  });

  it("enforces the signing client's allowed models", async () => {
    const body = JSON.stringify({ model: 'gpt-4o', messages: [] });
    const answer = await sendSigned(ferry, '/v1/chat/completions', sign('/v1/chat/completions', body), body);
    assertErrorAnswer(answer, 403, 'model_not_allowed', { type: 'permission_error' });
  });

  describe('every bad signature is a 401 invalid_signature and reaches nothing upstream', () => {
    const good = () => sign('/v1/chat/completions');
    const cases: Array<[string, () => { path?: string; headers: Record<string, string>; body?: string }]> = [
      ['missing (no headers at all)', () => ({ headers: {} })],
      [
        'missing signature header',
        () => {
          const { 'x-ferry-signature': _, ...headers } = good();
          return { headers };
        },
      ],
      ['empty signature', () => ({ headers: { ...good(), 'x-ferry-signature': '' } })],
      [
        'wrong length (63 hex digits)',
        () => {
          const headers = good();
          return { headers: { ...headers, 'x-ferry-signature': headers['x-ferry-signature']!.slice(1) } };
        },
      ],
      [
        'wrong length (66 hex digits)',
        () => {
          const headers = good();
          return { headers: { ...headers, 'x-ferry-signature': `${headers['x-ferry-signature']}ab` } };
        },
      ],
      [
        'valid hex plus junk',
        () => {
          const headers = good();
          return { headers: { ...headers, 'x-ferry-signature': `${headers['x-ferry-signature']}zz` } };
        },
      ],
      [
        'junk replacing the last hex digits (Buffer.from would stop there)',
        () => {
          const headers = good();
          return {
            headers: { ...headers, 'x-ferry-signature': `${headers['x-ferry-signature']!.slice(0, 60)}zzzz` },
          };
        },
      ],
      [
        'upper-case hex',
        () => {
          const headers = good();
          return {
            headers: { ...headers, 'x-ferry-signature': headers['x-ferry-signature']!.toUpperCase() },
          };
        },
      ],
      [
        'signed with an unknown secret',
        () => ({
          headers: sign('/v1/chat/completions', chat, { secret: 'not-the-secret-0123456789abcdef0123' }),
        }),
      ],
      ['unknown key id', () => ({ headers: sign('/v1/chat/completions', chat, { keyId: 'intruder' }) })],
      [
        're-serialised body (same JSON, other bytes)',
        () => ({
          headers: good(),
          body: JSON.stringify(JSON.parse(chat), null, 1),
        }),
      ],
      ['changed body', () => ({ headers: good(), body: chat.replace('你好', 'hello') })],
      ['signed for another path', () => ({ headers: sign('/v1/completions') })],
      ['query added after signing', () => ({ path: '/v1/chat/completions?debug=1', headers: good() })],
      [
        'query signed in its raw order instead of the canonical one',
        () => {
          const raw = signRequest({
            keyId,
            secret: testSigningSecret,
            method: 'POST',
            url: '/v1/chat/completions',
            body: chat,
          }) as unknown as Record<string, string>;
          // Re-sign by hand over "b=2&a=1" (not canonical): the gateway canonicalises to "a=1&b=2".
          return { path: '/v1/chat/completions?b=2&a=1', headers: hand(raw, 'b=2&a=1') };
        },
      ],
      ['malformed nonce', () => ({ headers: { ...good(), 'x-ferry-nonce': 'short' } })],
      ['malformed timestamp', () => ({ headers: { ...good(), 'x-ferry-timestamp': 'yesterday' } })],
    ];
    for (const [name, build] of cases) {
      it(name, async () => {
        const before = ferry.mock.requests.length;
        const { path = '/v1/chat/completions', headers, body = chat } = build();
        const answer = await sendSigned(ferry, path, headers, body);
        assertErrorAnswer(answer, 401, 'invalid_signature', {
          type: 'authentication_error',
          secrets: [testSigningSecret, rotatedSigningSecret],
        });
        assert.equal(ferry.mock.requests.length, before);
      });
    }

    it('a dot-segment path (/v1/../) is refused whether signed as sent or as resolved', async () => {
      const before = ferry.mock.requests.length;
      const asSent = '/v1/../v1/chat/completions';
      // fetch and undici resolve dot segments, so the request line is written by hand.
      for (const headers of [hand(sign('/v1/chat/completions'), '', asSent), sign('/v1/chat/completions')]) {
        const head = Object.entries({ ...headers, 'content-type': 'application/json' })
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('');
        const bytes = Buffer.from(chat);
        const { bytes: answer } = await rawExchange(
          ferry.port,
          Buffer.concat([
            Buffer.from(
              `POST ${asSent} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${head}content-length: ${bytes.length}\r\n\r\n`,
            ),
            bytes,
          ]),
        );
        const { status, body } = splitRawResponse(answer);
        // Node does not resolve dot segments and Ferry does not either: no route has this path.
        assert.equal(status, 404);
        assert.equal((JSON.parse(body.toString()) as { error: { code: string } }).error.code, 'unknown_url');
      }
      assert.equal(ferry.mock.requests.length, before);
    });
  });

  it('accepts a query in any order once signed canonically', async () => {
    const headers = sign('/v1/models?b=2&a=1', null);
    const answer = await sendSigned(ferry, '/v1/models?a=1&b=2', headers, null);
    assert.equal(answer.status, 200, answer.text);
  });

  it('accepts a timestamp 299 s off either way and rejects 301 s', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [offset, status] of [
      [299, 200],
      [-299, 200],
      [301, 401],
      [-301, 401],
    ] as const) {
      const headers = sign('/v1/chat/completions', chat, { timestamp: now + offset });
      const answer = await sendSigned(ferry, '/v1/chat/completions', headers);
      assert.equal(answer.status, status, `offset ${offset}: ${answer.text}`);
    }
  });

  it('rejects a replay of the same request', async () => {
    const headers = sign('/v1/chat/completions');
    assert.equal((await sendSigned(ferry, '/v1/chat/completions', headers)).status, 200);
    const replay = await sendSigned(ferry, '/v1/chat/completions', headers);
    const error = assertErrorAnswer(replay, 401, 'invalid_signature');
    assert.match(error.message, /nonce already used/);
  });
});

/** Re-signs `headers` by hand over a raw (non-canonical) query and/or another path. */
function hand(headers: Record<string, string>, rawQuery: string, path = '/v1/chat/completions') {
  const bodyHash = createHash('sha256').update(chat).digest('hex');
  const text = [
    'POST',
    path,
    rawQuery,
    headers['x-ferry-timestamp'],
    headers['x-ferry-nonce'],
    bodyHash,
  ].join('\n');
  return {
    ...headers,
    'x-ferry-signature': createHmac('sha256', testSigningSecret).update(text).digest('hex'),
  };
}

async function concurrentReplays(ferry: GatewayWithMock) {
  const headers = sign('/v1/chat/completions');
  const answers = await Promise.all(
    Array.from({ length: 50 }, () => sendSigned(ferry, '/v1/chat/completions', headers)),
  );
  const statuses = answers.map((answer) => answer.status);
  assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses ${statuses.join(',')}`);
  assert.equal(statuses.filter((status) => status === 401).length, 49);
  assert.equal(ferry.mock.requests.length, 1);
}

describe('concurrent replays: 50 copies at once, exactly one passes', () => {
  it('with the memory nonce store', async () => {
    const ferry = await startGatewayWithMock(signingOptions());
    try {
      await concurrentReplays(ferry);
    } finally {
      await ferry.close();
    }
  });

  it('with the Redis nonce store (SET NX PX)', async () => {
    const prefix = `ferry-test:${process.pid}:${Date.now()}:`;
    const ferry = await startGatewayWithMock({
      ...signingOptions(),
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
    });
    try {
      await ferry.gateway.ready();
      await concurrentReplays(ferry);
      // The nonce is stored with a TTL longer than the window: 2 × 300 s + 60 s.
      const redis = createRedisClient({ url: 'redis://127.0.0.1:6379' });
      try {
        await waitForRedis(redis, 2_000);
        const keys = await redis.keys(`${prefix}nonce:*`);
        assert.equal(keys.length, 1);
        const ttl = await redis.pttl(keys[0] as string);
        assert.ok(ttl > 600_000 && ttl <= 660_000, `ttl ${ttl}`);
        await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    } finally {
      await ferry.close();
    }
  });
});

describe('nonce store down', () => {
  it('fails closed by default: 503 nonce_store_unavailable, nothing upstream', async () => {
    // Nothing listens on port 1: every Redis command fails at once (offline queue off).
    const ferry = await startGatewayWithMock({ ...signingOptions(), redis: { url: 'redis://127.0.0.1:1' } });
    try {
      const answer = await sendSigned(ferry, '/v1/chat/completions', sign('/v1/chat/completions'));
      assertErrorAnswer(answer, 503, 'nonce_store_unavailable');
      assert.equal(answer.headers['retry-after'], '1');
      assert.equal(ferry.mock.requests.length, 0);
    } finally {
      await ferry.close();
    }
  });

  it('fails open when configured, still checking the signature', async () => {
    const ferry = await startGatewayWithMock({
      ...signingOptions({ onNonceStoreFailure: 'accept' }),
      redis: { url: 'redis://127.0.0.1:1' },
    });
    try {
      const ok = await sendSigned(ferry, '/v1/chat/completions', sign('/v1/chat/completions'));
      assert.equal(ok.status, 200);
      const forged = await sendSigned(ferry, '/v1/chat/completions', { ...sign('/v1/completions') });
      assertErrorAnswer(forged, 401, 'invalid_signature');
    } finally {
      await ferry.close();
    }
  });
});

describe('signing alongside client keys', () => {
  it('with required: false, unsigned requests need a client key and signed ones need none', async () => {
    const ferry = await startGatewayWithMock({
      ...signingOptions({ required: false }),
      clientKeys: ['sk-legacy-key'],
    });
    try {
      const unsigned = await sendSigned(ferry, '/v1/chat/completions', {});
      assertErrorAnswer(unsigned, 401, 'missing_api_key');
      const keyed = await sendSigned(ferry, '/v1/chat/completions', {
        authorization: 'Bearer sk-legacy-key',
      });
      assert.equal(keyed.status, 200);
      const signed = await sendSigned(ferry, '/v1/chat/completions', sign('/v1/chat/completions'));
      assert.equal(signed.status, 200);
      const badlySigned = await sendSigned(ferry, '/v1/chat/completions', {
        ...sign('/v1/completions'),
        authorization: 'Bearer sk-legacy-key',
      });
      assertErrorAnswer(badlySigned, 401, 'invalid_signature');
    } finally {
      await ferry.close();
    }
  });
});
