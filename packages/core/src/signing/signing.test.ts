import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bodySha256, canonicalQuery, canonicalString } from './canonical-request.js';
import { signRequest } from './sign-request.js';
import { verifySignature } from './verify-signature.js';

interface GoldenVector {
  name: string;
  keyId: string;
  secret: string;
  method: string;
  path: string;
  query: string;
  timestamp: string;
  nonce: string;
  body: string;
  bodySha256: string;
  canonicalString: string;
  signature: string;
}

function goldenVectors(): GoldenVector[] {
  const document = readFileSync(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
  const block = /<!-- golden-vectors:start -->\s*```json\n([\s\S]*?)```\s*<!-- golden-vectors:end -->/.exec(
    document,
  );
  assert.ok(block?.[1], 'docs/security.md holds a golden-vectors block');
  return JSON.parse(block[1]) as GoldenVector[];
}

const secret = 'unit-test-secret-0123456789abcdef0123';
const nowSeconds = 1_767_225_600;

const signed = (overrides: Partial<Parameters<typeof signRequest>[0]> = {}) => {
  const body = (overrides.body ?? '{"model":"gpt-4o-mini"}') as string;
  const headers = signRequest({
    keyId: 'caller',
    secret,
    method: 'POST',
    url: '/v1/chat/completions',
    body,
    timestamp: nowSeconds,
    nonce: 'abcdefghijklmnop',
    ...overrides,
  });
  return { headers: { ...headers } as Record<string, string>, body };
};

const verify = (
  headers: Record<string, string | string[]>,
  body: string | undefined,
  request: { method?: string; path?: string; query?: string } = {},
  secrets: string[] = [secret],
) =>
  verifySignature(
    {
      method: request.method ?? 'POST',
      path: request.path ?? '/v1/chat/completions',
      query: request.query ?? '',
      headers,
      body: body === undefined ? undefined : Buffer.from(body),
    },
    { secretsFor: (keyId) => (keyId === 'caller' ? secrets : undefined), nowSeconds },
  );

describe('golden vectors (docs/security.md)', () => {
  const vectors = goldenVectors();
  it('holds at least three vectors', () => assert.ok(vectors.length >= 3));
  for (const vector of vectors) {
    it(`reproduces "${vector.name}"`, () => {
      assert.equal(bodySha256(vector.body), vector.bodySha256);
      const canonical = canonicalString({
        method: vector.method,
        path: vector.path,
        query: vector.query,
        timestamp: vector.timestamp,
        nonce: vector.nonce,
        bodySha256: vector.bodySha256,
      });
      assert.equal(canonical, vector.canonicalString);
      const headers = signRequest({
        keyId: vector.keyId,
        secret: vector.secret,
        method: vector.method,
        url: vector.query === '' ? vector.path : `${vector.path}?${vector.query}`,
        body: vector.body,
        timestamp: Number(vector.timestamp),
        nonce: vector.nonce,
      });
      assert.equal(headers['x-ferry-signature'], vector.signature);
      const verdict = verifySignature(
        {
          method: vector.method,
          path: vector.path,
          query: vector.query,
          headers: headers as Record<string, string>,
          body: Buffer.from(vector.body),
        },
        { secretsFor: () => [vector.secret], nowSeconds: Number(vector.timestamp) },
      );
      assert.equal(verdict.valid, true);
    });
  }
});

describe('canonicalQuery', () => {
  it('sorts by name then value and re-encodes per RFC 3986', () => {
    assert.equal(canonicalQuery('b=2&a=hello+world&a=%7e&c'), 'a=hello%20world&a=~&b=2&c=');
    assert.equal(canonicalQuery("x=!'()*"), 'x=%21%27%28%29%2A');
    assert.equal(canonicalQuery('a%20b=1&a=2'), 'a=2&a%20b=1');
    assert.equal(canonicalQuery(''), '');
    assert.equal(canonicalQuery('&&a=1&'), 'a=1');
  });
  it('throws on malformed percent-encoding', () => {
    assert.throws(() => canonicalQuery('a=%E4%BD'), URIError);
  });
});

describe('verifySignature', () => {
  it('accepts a request signed by signRequest', () => {
    const { headers, body } = signed();
    assert.deepEqual(verify(headers, body), {
      valid: true,
      keyId: 'caller',
      nonce: 'abcdefghijklmnop',
      timestamp: nowSeconds,
    });
  });

  it('accepts any active secret (rotation) and rejects a retired one', () => {
    const { headers, body } = signed({ secret: 'new-rotation-secret-0123456789abcdef' });
    assert.equal(verify(headers, body, {}, [secret, 'new-rotation-secret-0123456789abcdef']).valid, true);
    assert.equal(verify(headers, body, {}, [secret]).valid, false);
  });

  it('checks the format before decoding: hex plus junk, upper case, wrong length, empty', () => {
    const { headers, body } = signed();
    const signature = headers['x-ferry-signature'] as string;
    for (const bad of [
      `${signature}zz`,
      `${signature.slice(0, 62)}zz`,
      signature.toUpperCase(),
      signature.slice(0, 63),
      `${signature}00`,
      '',
      ' ',
    ]) {
      const verdict = verify({ ...headers, 'x-ferry-signature': bad }, body);
      assert.equal(verdict.valid, false, `rejects ${JSON.stringify(bad)}`);
    }
  });

  it('rejects a duplicated signature header (Node joins it into one value)', () => {
    const { headers, body } = signed();
    const doubled = `${headers['x-ferry-signature']}, ${headers['x-ferry-signature']}`;
    assert.equal(verify({ ...headers, 'x-ferry-signature': doubled }, body).valid, false);
  });

  it('rejects malformed timestamps, nonces and key ids', () => {
    const { headers, body } = signed();
    for (const [name, value] of [
      ['x-ferry-timestamp', '1767225600.5'],
      ['x-ferry-timestamp', '-1'],
      ['x-ferry-timestamp', ''],
      ['x-ferry-nonce', 'short'],
      ['x-ferry-nonce', 'has spaces in the nonce'],
      ['x-ferry-key-id', 'caller\r\nx: y'],
      ['x-ferry-key-id', 'unknown'],
    ] as const) {
      assert.equal(verify({ ...headers, [name]: value }, body).valid, false, `${name}=${value}`);
    }
  });

  it('rejects a changed method, path, query or body', () => {
    const { headers, body } = signed({ url: '/v1/chat/completions?a=1' });
    assert.equal(verify(headers, body, { query: 'a=1' }).valid, true);
    assert.equal(verify(headers, body, { query: 'a=2' }).valid, false);
    assert.equal(verify(headers, body, { query: 'a=1&b=2' }).valid, false);
    assert.equal(verify(headers, body, { path: '/v1/completions', query: 'a=1' }).valid, false);
    assert.equal(verify(headers, body, { method: 'PUT', query: 'a=1' }).valid, false);
    assert.equal(verify(headers, `${body} `, { query: 'a=1' }).valid, false);
    assert.equal(verify(headers, undefined, { query: 'a=1' }).valid, false);
  });

  it('treats a missing body as zero bytes', () => {
    const { headers } = signed({ method: 'GET', url: '/v1/models', body: undefined });
    assert.equal(verify(headers, undefined, { method: 'GET', path: '/v1/models' }).valid, true);
    assert.equal(verify(headers, '', { method: 'GET', path: '/v1/models' }).valid, true);
  });

  it('checks the timestamp window in both directions', () => {
    for (const [offset, valid] of [
      [299, true],
      [-299, true],
      [300, true],
      [301, false],
      [-301, false],
    ] as const) {
      const { headers, body } = signed({ timestamp: nowSeconds + offset });
      assert.equal(verify(headers, body).valid, valid, `offset ${offset}`);
    }
  });

  it('signs the path fetch would send', () => {
    const { headers, body } = signed({ url: 'http://127.0.0.1:8787/v1/../v1/chat/completions' });
    assert.equal(verify(headers, body).valid, true);
    assert.equal(verify(headers, body, { path: '/v1/../v1/chat/completions' }).valid, false);
  });
});
