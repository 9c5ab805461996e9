import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { type GatewayWithMock, send, startGatewayWithMock } from './testing/index.js';
import type { GatewayContext } from './types.js';

// V8 creates an object literal that has a getter in dictionary mode: several times larger, and
// every property read a hash lookup. The per-request objects every policy reads must not be
// such objects (they were, and it cost ~10% of passthrough throughput). V8's own predicate
// answers that; it needs natives syntax, which a function compiled after this flag may use.
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (
  object: object,
) => boolean;

describe('per-request objects keep a fast V8 shape', () => {
  let ferry: GatewayWithMock;
  const seen: GatewayContext[] = [];
  before(async () => {
    ferry = await startGatewayWithMock({ onUsage: (_usage, context) => seen.push(context) });
  });
  after(() => ferry.close());

  it('the predicate tells a dictionary-mode object from a fast one', () => {
    const withGetter = {
      model: 'gpt-4o-mini',
      get signal() {
        return undefined;
      },
    };
    assert.equal(hasFastProperties(withGetter), false);
    assert.equal(hasFastProperties({ model: 'gpt-4o-mini', signal: undefined }), true);
  });

  it('the context and the bridged request of a real request are fast objects', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(answer.status, 200);
    const context = seen.at(-1);
    assert.ok(context, 'onUsage saw the request');
    assert.equal(hasFastProperties(context), true, 'context');
    assert.equal(hasFastProperties(context.request), true, 'request');
    // The getters still work: each reads the one signal of the request, created on demand.
    assert.equal(context.signal, context.request.signal);
    assert.equal(context.signal.aborted, false);
  });
});
