import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createGateway } from '../gateway.js';
import {
  assertErrorAnswer,
  captureLogs,
  type GatewayWithMock,
  send,
  startGatewayWithMock,
} from '../testing/index.js';
import type { GatewayContext } from '../types.js';
import { createClientDirectory, modelAllowed } from './client-directory.js';

const cozeKey = 'sk-coze-7d1e0c44b2';
const billingKey = 'sk-billing-99aa01';
const sha256 = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('client directory', () => {
  it('accepts plaintext keys and sha256: digests (any hex case) alike', () => {
    const directory = createClientDirectory(
      ['sk-plain'],
      [{ id: 'coze', keys: [sha256(cozeKey).toUpperCase().replace('SHA256:', 'sha256:')], limits: {} }],
    );
    assert.equal(directory.keyCount, 2);
    assert.equal(directory.identify(cozeKey)?.clientId, 'coze');
    assert.match(directory.identify('sk-plain')?.keyId ?? '', /^key_[\w-]{8}$/);
    assert.equal(directory.identify('sk-unknown'), undefined);
  });

  it('refuses the same key twice and duplicate client ids', () => {
    assert.throws(
      () => createClientDirectory([cozeKey], [{ id: 'a', keys: [sha256(cozeKey)], limits: {} }]),
      /clients\.0\.keys\.0/,
    );
    assert.throws(
      () =>
        createClientDirectory(
          [],
          [
            { id: 'a', keys: [], limits: {} },
            { id: 'a', keys: [], limits: {} },
          ],
        ),
      /clients\.1\.id/,
    );
  });

  it('matches allowed models exactly or by a trailing * prefix', () => {
    assert.equal(modelAllowed('gpt-4o-mini', ['gpt-4o*']), true);
    assert.equal(modelAllowed('gpt-4o', ['gpt-4o-mini']), false);
    assert.equal(modelAllowed('gpt-4o-mini', ['gpt-4o-mini']), true);
  });

  it('validates the clients option and names the field', () => {
    assert.throws(
      () =>
        createGateway({
          upstream: { url: 'http://127.0.0.1:1/v1' },
          clients: [{ id: 'x', keys: ['sha256:abc'] }],
        }),
      /clients\.0\.keys\.0/,
    );
    assert.throws(
      () =>
        createGateway({ upstream: { url: 'http://127.0.0.1:1/v1' }, clients: [{ id: 'bad id!', keys: [] }] }),
      /clients\.0\.id/,
    );
  });
});

describe('client keys through the gateway', () => {
  let ferry: GatewayWithMock;
  const seen: GatewayContext['client'][] = [];
  const logs = captureLogs('info');
  before(async () => {
    ferry = await startGatewayWithMock({
      logger: logs.logger,
      clientKeys: ['sk-legacy-list-key'],
      clients: [
        {
          id: 'coze-plugin',
          tenant: 'acme',
          keys: [sha256(cozeKey)],
          allowedModels: ['gpt-4o-mini'],
          limits: { requestsPerMinute: 60, tokensPerMinute: 10_000 },
        },
        { id: 'billing', tenant: 'finance', keys: [billingKey] },
      ],
      onUsage: (_, context) => seen.push(context.client),
    });
  });
  after(() => ferry.close());

  it('accepts a hashed key as Bearer and as x-api-key, with its tenant, models and limits', async () => {
    const presented: Array<Record<string, string>> = [
      { authorization: `Bearer ${cozeKey}` },
      { 'x-api-key': cozeKey },
    ];
    for (const headers of presented) {
      const answer = await send(`${ferry.url}/chat/completions`, { headers, body });
      assert.equal(answer.status, 200, answer.text);
      const line = await logs.waitFor((entry) => entry.requestId === answer.headers['x-request-id']);
      assert.equal(line.client, 'coze-plugin');
      assert.match(String(line.keyId), /^key_/);
      assert.ok(!logs.lines.join('').includes(cozeKey));
    }
    const identity = seen.at(-1);
    assert.equal(identity?.tenant, 'acme');
    assert.deepEqual(identity?.limits, { requestsPerMinute: 60, tokensPerMinute: 10_000 });
  });

  it('keeps the plain clientKeys list working', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: 'Bearer sk-legacy-list-key' },
      body,
    });
    assert.equal(answer.status, 200);
  });

  it("refuses a model outside the client's allowed models with 403, before the upstream", async () => {
    const before = ferry.mock.requests.length;
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${cozeKey}` },
      body: { ...body, model: 'gpt-4o' },
    });
    const error = assertErrorAnswer(answer, 403, 'model_not_allowed', { secrets: [cozeKey] });
    assert.equal(error.param, 'model');
    assert.equal(ferry.mock.requests.length, before);
    const other = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${billingKey}` },
      body: { ...body, model: 'gpt-4o' },
    });
    assert.equal(other.status, 200);
  });

  it('answers 401 for a missing, unknown or digest-instead-of-key credential', async () => {
    assertErrorAnswer(await send(`${ferry.url}/models`), 401, 'missing_api_key');
    for (const key of ['sk-unknown', sha256(cozeKey)]) {
      const answer = await send(`${ferry.url}/models`, { headers: { authorization: `Bearer ${key}` } });
      assertErrorAnswer(answer, 401, 'invalid_api_key', { secrets: [key, cozeKey] });
    }
  });
});
