import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestContext } from '../request-context.js';
import type { GatewayRequest } from '../types.js';
import { upstreamSchema } from '../upstream/upstream-options.js';
import { createAnswerKey } from './answer-key.js';
import { canonicalBody } from './canonical-body.js';

const route = { name: 'chat.completions', method: 'POST', path: '/chat/completions', json: true } as const;
const contextOf = (
  body: Record<string, unknown>,
  tenant = 'team-a',
  headers: Record<string, string> = {},
) => {
  const context = new RequestContext({ headers } as unknown as GatewayRequest, 'id', route, 0);
  context.body = body;
  context.client = { keyId: `key_${tenant}`, tenant };
  return context;
};
const upstream = (fields: object) => upstreamSchema.parse({ url: 'https://api.openai.com/v1', ...fields });

describe('canonical body and answer key', () => {
  it('sorts keys at every level and drops only transport fields', () => {
    assert.equal(
      canonicalBody({
        stream: true,
        stream_options: { include_usage: true },
        user: 'u',
        model: 'm',
        b: { z: 1, a: [2, { d: 1, c: 0 }] },
      }),
      '{"b":{"a":[2,{"c":0,"d":1}],"z":1},"model":"m"}',
    );
    assert.equal(canonicalBody({ seed: 1, stop: ['x'], tools: [] }), '{"seed":1,"stop":["x"],"tools":[]}');
  });

  it('is undefined for a body too deep to encode', () => {
    let deep: unknown = 0;
    for (let index = 0; index < 200_000; index++) deep = [deep];
    assert.equal(canonicalBody({ messages: deep }), undefined);
    const keyOf = createAnswerKey(upstream({}), 'tenant', 'x-ferry-tenant');
    assert.equal(keyOf(contextOf({ messages: deep })), null);
  });

  it('differs by tenant, by upstream name, base URL, deployments and model map; is computed once', () => {
    const body = { model: 'gpt-4o-mini', messages: [] };
    const base = createAnswerKey(upstream({}), 'tenant', 'x-ferry-tenant');
    const key = base(contextOf(body));
    assert.match(key ?? '', /^[0-9a-f]{64}$/);
    assert.equal(base(contextOf({ messages: [], model: 'gpt-4o-mini' })), key, 'key order does not matter');
    assert.notEqual(base(contextOf(body, 'team-b')), key);
    for (const other of [
      { name: 'other' },
      { url: 'https://eu.relay.example/v1' },
      { deployments: [{ url: 'https://eu.relay.example/v1' }] },
      { models: { '*': 'llama3.1' } },
    ]) {
      assert.notEqual(
        createAnswerKey(upstream(other), 'tenant', 'x-ferry-tenant')(contextOf(body)),
        key,
        JSON.stringify(other),
      );
    }
    // Rotating the upstream key changes no answer.
    assert.equal(
      createAnswerKey(upstream({ apiKey: 'sk-new' }), 'tenant', 'x-ferry-tenant')(contextOf(body)),
      key,
    );
    const context = contextOf(body);
    base(context);
    context.body = { model: 'changed' };
    assert.equal(base(context), key, 'the key is kept on the context');
  });
});
