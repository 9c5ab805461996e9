import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import type { GatewayEventMap, GatewayEventName } from '../events/gateway-events.js';
import { diagnosticsChannelName } from '../events/gateway-events.js';
import { eventually, type GatewayWithMock, send, startGatewayWithMock } from '../testing/index.js';
import type { Policy } from '../types.js';

const messages = [{ role: 'user', content: 'hello' }];

/** Every event the gateway emits, in order, as `[name, payload]`. */
function recordEvents(ferry: GatewayWithMock) {
  const seen: Array<[GatewayEventName, unknown]> = [];
  const names: GatewayEventName[] = [
    'request:start',
    'request:end',
    'attempt',
    'retry',
    'fallback',
    'filter',
    'limit:rejected',
    'budget',
    'client:gone',
  ];
  for (const name of names) ferry.gateway.events.on(name, (event) => seen.push([name, event]));
  return seen;
}

describe('the event stream', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({
      upstreams: [],
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
      contentFilter: { words: ['forbidden'], request: 'mask', response: 'mask' },
      limits: { requests: { limit: 5 } },
    });
  });
  after(() => ferry.close());

  it('emits start, an attempt per try, the retry and one end carrying the record and usage', async () => {
    const seen = recordEvents(ferry);
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { 'x-mock-fault': 'status=503;times=1' },
      body: { model: 'gpt-4o-mini', messages },
    });
    assert.equal(answer.status, 200);
    await eventually(async () => seen.some(([name]) => name === 'request:end'));
    assert.deepEqual(
      seen.map(([name]) => name),
      ['request:start', 'attempt', 'retry', 'attempt', 'request:end'],
    );
    const attempts = seen
      .filter(([name]) => name === 'attempt')
      .map(([, event]) => event as GatewayEventMap['attempt']);
    assert.deepEqual(
      attempts.map((event) => event.status),
      [503, 200],
    );
    const retry = seen.find(([name]) => name === 'retry')?.[1] as GatewayEventMap['retry'];
    assert.equal(retry.reason, '503');
    assert.equal(retry.attempt, 1);
    const end = seen.at(-1)?.[1] as GatewayEventMap['request:end'];
    assert.equal(end.status, 200);
    assert.equal(end.error, undefined);
    assert.ok(end.usage !== undefined && end.usage.totalTokens > 0);
    assert.equal(end.context.record.attempts, 2);
    assert.ok(end.overheadMs >= 0 && end.overheadMs <= end.durationMs);
  });

  it('emits a filter event when the request is masked', async () => {
    const seen = recordEvents(ferry);
    await send(`${ferry.url}/chat/completions`, {
      headers: { 'x-ferry-test': 'filter' },
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a forbidden word' }] },
    });
    const filter = seen.find(([name]) => name === 'filter')?.[1] as GatewayEventMap['filter'] | undefined;
    assert.equal(filter?.action, 'request masked');
    assert.deepEqual(filter?.rules, ['words']);
  });

  it('publishes every event on diagnostics_channel with the gateway that emitted it', async () => {
    const published: unknown[] = [];
    const listener = (message: unknown) => published.push(message);
    subscribe(diagnosticsChannelName('request:end'), listener);
    try {
      await send(`${ferry.url}/models`);
      await eventually(async () => published.length >= 1);
      const message = published[0] as { gateway: unknown; status: number };
      assert.equal(message.gateway, ferry.gateway);
      assert.equal(typeof message.status, 'number');
    } finally {
      unsubscribe(diagnosticsChannelName('request:end'), listener);
    }
  });

  it('keeps a listener that throws away from the request', async () => {
    const off = ferry.gateway.events.on('request:start', () => {
      throw new Error('listener bug');
    });
    try {
      const answer = await send(`${ferry.url}/models`);
      assert.equal(answer.status, 200);
    } finally {
      off();
    }
  });

  it('emits limit:rejected with the limit that refused (last: it uses up the window)', async () => {
    const seen = recordEvents(ferry);
    let refused: GatewayEventMap['limit:rejected'] | undefined;
    for (let index = 0; index < 6 && refused === undefined; index++) {
      await send(`${ferry.url}/chat/completions`, { body: { model: 'gpt-4o-mini', messages } });
      refused = seen.find(([name]) => name === 'limit:rejected')?.[1] as typeof refused;
    }
    assert.equal(refused?.limit, 'requests');
  });
});

describe('the fallback event and the record', () => {
  it('reports each passed upstream once, and x-ferry-fallback is built from the same steps', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { name: 'first:one, two' },
      upstreams: [],
      fallback: {},
    });
    try {
      // A second upstream that works, with a name the old header parsing could not split.
      const seen = recordEvents(ferry);
      const answer = await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'status=500' },
        body: { model: 'gpt-4o-mini', messages },
      });
      assert.equal(answer.status, 500);
      const fallbacks = seen
        .filter(([name]) => name === 'fallback')
        .map(([, event]) => event as GatewayEventMap['fallback']);
      assert.deepEqual(
        fallbacks.map((event) => [event.from, event.reason]),
        [['first:one, two', '500']],
      );
      assert.equal(answer.headers['x-ferry-fallback'], 'first:one, two:500');
      const end = seen.find(([name]) => name === 'request:end')?.[1] as GatewayEventMap['request:end'];
      assert.deepEqual(end.context.record.fallbacks, [{ upstream: 'first:one, two', reason: '500' }]);
      assert.equal(end.context.record.fellBack, false);
    } finally {
      await ferry.close();
    }
  });
});

describe('one settle point', () => {
  const settleCounter =
    (counts: { settled: number; ended: number; failure: unknown[] }): Policy =>
    (next) =>
    async (context) => {
      context.onSettle((_usage, failure) => {
        counts.settled++;
        counts.failure.push(failure?.code);
      });
      return next(context);
    };

  it('settles a streamed answer, an error and a cut stream exactly once each', async () => {
    const counts = { settled: 0, ended: 0, failure: [] as unknown[] };
    const ferry = await startGatewayWithMock({
      policies: [{ stage: 'admit', policy: settleCounter(counts) }],
    });
    ferry.gateway.events.on('request:end', () => counts.ended++);
    try {
      await send(`${ferry.url}/chat/completions`, { body: { model: 'gpt-4o-mini', messages, stream: true } });
      await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'status=400' },
        body: { model: 'gpt-4o-mini', messages },
      });
      await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'reset-after=1' },
        body: { model: 'gpt-4o-mini', messages, stream: true },
      }).catch(() => {});
      await send(`${ferry.url}/chat/completions`, { body: 'not json' });
      await eventually(async () => counts.ended === 4);
      // The admit stage runs before the body is parsed: the invalid body settles there too, with its error.
      assert.equal(counts.settled, 4);
      // Settling follows the end of each body, not the order the client read them in.
      assert.deepEqual(counts.failure.map(String).sort(), [
        'invalid_json',
        'undefined',
        'undefined',
        'upstream_stream_error',
      ]);
    } finally {
      await ferry.close();
    }
  });
});
