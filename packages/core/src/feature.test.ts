import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { builtInFeatures } from './features.js';
import { createGateway } from './gateway.js';
import { gatewayOptionsSchema } from './options.js';
import { stages } from './stages.js';
import { send, startGatewayServer, startGatewayWithMock } from './testing/index.js';
import type { Policy } from './types.js';

const messages = [{ role: 'user', content: 'hello' }];

describe('the feature contract', () => {
  it('every feature declares option fields the options schema has, and only known stages', () => {
    const fields = new Set(Object.keys(gatewayOptionsSchema.shape));
    for (const feature of builtInFeatures) {
      for (const field of Object.keys(feature.options)) {
        assert.ok(fields.has(field), `${feature.name} declares "${field}", which the options schema lacks`);
      }
      for (const stage of feature.stages) assert.ok(stages.includes(stage), `${feature.name}: ${stage}`);
    }
    assert.equal(new Set(builtInFeatures.map((feature) => feature.name)).size, builtInFeatures.length);
  });

  it('places embedder policies by stage, outside the built-in policies of their stage', async () => {
    const order: string[] = [];
    const mark =
      (name: string): Policy =>
      (next) =>
      (context) => {
        // What the built-in stages before this one have done is visible; later ones are not.
        order.push(
          `${name}:${context.client === undefined ? 'anonymous' : 'client'}:${context.body === undefined ? 'raw' : 'parsed'}`,
        );
        return next(context);
      };
    const ferry = await startGatewayWithMock({
      clientKeys: ['sk-client-key-for-stages'],
      // Listed out of order on purpose: stage order is data, not list order.
      policies: [
        { stage: 'route', policy: mark('route') },
        { stage: 'authenticate', policy: mark('authenticate') },
        { stage: 'validate', policy: mark('validate') },
        { stage: 'authenticate', policy: mark('authenticate-2') },
      ],
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        headers: { authorization: 'Bearer sk-client-key-for-stages' },
        body: { model: 'gpt-4o-mini', messages },
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(order, [
        'authenticate:anonymous:raw',
        'authenticate-2:anonymous:raw',
        'validate:client:parsed',
        'route:client:parsed',
      ]);
      // A refused caller never reaches the stages after authentication.
      order.length = 0;
      const refused = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages },
      });
      assert.equal(refused.status, 401);
      assert.deepEqual(order, ['authenticate:anonymous:raw', 'authenticate-2:anonymous:raw']);
    } finally {
      await ferry.close();
    }
  });

  it('refuses an unknown stage with an options error that names the field', () => {
    assert.throws(
      () =>
        createGateway({
          upstream: { url: 'http://127.0.0.1:9/v1' },
          policies: [{ stage: 'nope' as never, policy: (next) => next }],
        }),
      /Invalid Ferry options — policies\.0\.stage: /,
    );
  });
});

describe('one response path', () => {
  it('passes a synthesised (degraded) answer through the content filter and the settle listeners', async () => {
    let settledUsage: unknown = 'not settled';
    // Nothing listens on port 9: the chain fails at once and ends in the degraded answer.
    const ferry = await startGatewayServer({
      upstream: { url: 'http://127.0.0.1:9/v1', local: true },
      fallback: { degraded: { content: 'The forbidden service is busy.' } },
      contentFilter: { words: ['forbidden'], request: 'off', response: 'mask' },
      policies: [
        {
          stage: 'admit',
          policy: (next) => (context) => {
            context.onSettle((usage) => {
              settledUsage = usage;
            });
            return next(context);
          },
        },
      ],
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages },
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['x-ferry-upstream'], 'degraded');
      const content = (answer.json as { choices: Array<{ message: { content: string } }> }).choices[0]
        ?.message.content;
      assert.equal(content, 'The ********* service is busy.');
      assert.notEqual(settledUsage, 'not settled');
    } finally {
      await ferry.close();
    }
  });
});

describe('what a gateway object holds', () => {
  it('exposes no options, pools or stores, and holds client keys only as digests', () => {
    const plainKey = 'sk-plain-client-key-0b7f3c2a9e';
    const clientKey = 'sk-configured-client-key-5d1e8f';
    const gateway = createGateway({
      upstream: { url: 'http://127.0.0.1:9/v1', apiKey: 'sk-upstream-key-9a8b7c6d' },
      clientKeys: [plainKey],
      clients: [{ id: 'coze', keys: [clientKey] }],
      metrics: {},
      logger: false,
    });
    try {
      assert.equal('options' in gateway, false);
      assert.equal('upstreams' in gateway, false);
      assert.equal('stores' in gateway, false);
      const dump = inspect(gateway, { depth: 8, showHidden: true });
      assert.equal(dump.includes(plainKey), false);
      assert.equal(dump.includes(clientKey), false);
      assert.equal(dump.includes('sk-upstream-key-9a8b7c6d'), false);
    } finally {
      void gateway.close();
    }
  });
});
