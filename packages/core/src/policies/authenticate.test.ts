import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayError } from '../errors.js';
import { assertErrorAnswer, type GatewayWithMock, send, startGatewayWithMock } from '../testing/index.js';
import { presentedKey } from './authenticate.js';

const clientKey = 'sk-client-canary-7f3a9c';
const body = { model: 'gpt-4o-mini', messages: [] };

describe('presentedKey', () => {
  it('reads Bearer (any case) and x-api-key, preferring Authorization', () => {
    assert.equal(presentedKey({ authorization: 'Bearer abc' }), 'abc');
    assert.equal(presentedKey({ authorization: 'bearer   abc  ' }), 'abc');
    assert.equal(presentedKey({ 'x-api-key': 'xyz' }), 'xyz');
    assert.equal(presentedKey({ authorization: 'Bearer abc', 'x-api-key': 'xyz' }), 'abc');
  });

  it('returns undefined when no key is presented', () => {
    assert.equal(presentedKey({}), undefined);
    assert.equal(presentedKey({ authorization: 'Basic YTpi' }), undefined);
    assert.equal(presentedKey({ 'x-api-key': '' }), undefined);
  });

  it('reads x-api-key when Authorization carries another scheme (a proxy added Basic)', () => {
    assert.equal(presentedKey({ authorization: 'Basic YTpi', 'x-api-key': 'xyz' }), 'xyz');
    assert.equal(presentedKey({ authorization: 'Bearerish abc', 'x-api-key': 'xyz' }), 'xyz');
  });

  it('refuses a malformed Bearer with 401 instead of falling back to x-api-key', () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'bearer\tx y']) {
      assert.throws(
        () => presentedKey({ authorization, 'x-api-key': 'xyz' }),
        (error: unknown) =>
          error instanceof GatewayError && error.status === 401 && error.code === 'invalid_api_key',
        authorization,
      );
    }
  });
});

describe('client keys', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({ clientKeys: [clientKey, 'sk-other'] });
  });
  after(() => ferry.close());

  it('answers 401 missing_api_key without a key, before calling the upstream', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, { body });
    assertErrorAnswer(answer, 401, 'missing_api_key', { type: 'authentication_error' });
    assert.equal(ferry.mock.requests.length, 0);
  });

  it('answers 401 invalid_api_key for an unknown key and does not echo it', async () => {
    const unknown = 'sk-unknown-canary-0b1d';
    const presented: Array<Record<string, string>> = [
      { authorization: `Bearer ${unknown}` },
      { 'x-api-key': unknown },
    ];
    for (const headers of presented) {
      const answer = await send(`${ferry.url}/chat/completions`, { headers, body });
      assertErrorAnswer(answer, 401, 'invalid_api_key', { secrets: [unknown, clientKey] });
    }
    assert.equal(ferry.mock.requests.length, 0);
  });

  it('accepts a configured key as Bearer or as x-api-key', async () => {
    const bearer = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${clientKey}` },
      body,
    });
    assert.equal(bearer.status, 200);
    const apiKey = await send(`${ferry.url}/models`, { headers: { 'x-api-key': 'sk-other' } });
    assert.equal(apiKey.status, 200);
    assert.equal(ferry.mock.requests.length, 2);
  });

  it('accepts x-api-key next to a non-Bearer Authorization and refuses a malformed Bearer', async () => {
    const before = ferry.mock.requests.length;
    const basic = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': clientKey },
      body,
    });
    assert.equal(basic.status, 200);
    const upstream = ferry.mock.requests.at(-1);
    // Neither the proxy's credentials nor the client's key travel on.
    assert.notEqual(upstream?.headers.authorization, 'Basic dXNlcjpwYXNz');
    assert.equal(upstream?.headers['x-api-key'], undefined);
    const malformed = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${clientKey} extra`, 'x-api-key': clientKey },
      body,
    });
    assertErrorAnswer(malformed, 401, 'invalid_api_key', { secrets: [clientKey] });
    assert.equal(ferry.mock.requests.length, before + 1);
  });

  it('answers 404 for an unknown path before checking the key (the route table is public)', async () => {
    assertErrorAnswer(await send(`${ferry.url}/nothing-here`), 404, 'unknown_url');
  });
});
