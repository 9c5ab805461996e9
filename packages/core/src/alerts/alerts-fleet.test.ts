import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { createMemoryStore } from '../stores/memory-store.js';
import { eventually, type GatewayServer, send, startGatewayServer } from '../testing/index.js';
import type { ActiveCondition } from './alert-signals.js';
import { IncidentTracker } from './incidents.js';
import type { AlertMessage } from './sinks/alert-message.js';
import { type FakePlatform, startFakePlatform } from './sinks/test-platform-server.js';

// CI starts Redis; without it this suite fails loudly rather than skipping.
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const chat = (extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...extra },
  body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
});

describe('no duplicate reports from two gateway instances on one Redis', () => {
  let mock: MockUpstream;
  let receiver: FakePlatform;
  before(async () => {
    mock = await startMockUpstream({ record: false });
    receiver = await startFakePlatform(() => ({ body: {} }));
  });
  after(async () => {
    await mock.close();
    await receiver.close();
  });

  it('two instances that both see the circuit open send one firing and one resolved message', async () => {
    const keyPrefix = `ferry-test-${randomBytes(4).toString('hex')}:`;
    const instance = (name: string) =>
      startGatewayServer({
        upstream: { name: 'main', url: mock.url, local: true },
        redis: { url: redisUrl, keyPrefix },
        breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 400 },
        alerts: {
          instance: name,
          sinks: [
            {
              type: 'webhook',
              url: `${receiver.url}/hook`,
              allowPrivateAddress: true,
              rateLimit: { count: 1_000, windowMs: 1_000 },
            },
          ],
          evaluateIntervalMs: 100,
          resolveAfterMs: 300,
        },
      });
    const fleet: GatewayServer[] = [await instance('a'), await instance('b')];
    try {
      await Promise.all(fleet.map((ferry) => ferry.gateway.ready()));
      const seen = { a: [] as string[], b: [] as string[] };
      for (const [index, name] of (['a', 'b'] as const).entries())
        fleet[index]?.gateway.events.on('alert', (event) => {
          if (event.condition === 'breaker:main') seen[name].push(`${event.state}:${event.sent}`);
        });
      for (const ferry of fleet)
        for (let index = 0; index < 4; index++)
          await send(`${ferry.url}/chat/completions`, chat({ 'x-mock-fault': 'status=500' }));
      // Both instances know the incident (each emits `alert`), one of them sent it.
      await eventually(async () => seen.a.length > 0 && seen.b.length > 0);
      await sleep(600);
      for (const ferry of fleet)
        assert.equal((await send(`${ferry.url}/chat/completions`, chat())).status, 200);
      await eventually(async () => seen.a.includes('resolved:true') || seen.b.includes('resolved:true'));
      await eventually(
        async () =>
          seen.a.some((s) => s.startsWith('resolved')) && seen.b.some((s) => s.startsWith('resolved')),
      );
      const breakerAlerts = () =>
        receiver.requests
          .flatMap(
            (request) =>
              (
                JSON.parse(request.raw.toString()) as {
                  alerts: Array<{ state: string; incidentId: string; title: string }>;
                }
              ).alerts,
          )
          .filter((alert) => alert.title === 'Circuit open: main');
      await eventually(async () => breakerAlerts().some((alert) => alert.state === 'resolved'));
      await sleep(300); // room for a duplicate to arrive, if one were sent
      const breaker = breakerAlerts();
      assert.deepEqual(
        breaker.map((alert) => alert.state),
        ['firing', 'resolved'],
        JSON.stringify({ breaker, seen }),
      );
      assert.equal(new Set(breaker.map((alert) => alert.incidentId)).size, 1);
      // Each instance saw both notifications; exactly one sent each.
      const sent = [...seen.a, ...seen.b].filter((entry) => entry.endsWith(':true'));
      assert.deepEqual(sent.sort(), ['firing:true', 'resolved:true']);
    } finally {
      await Promise.all(fleet.map((ferry) => ferry.close()));
    }
  });
});

describe('incidents', () => {
  const condition: ActiveCondition = {
    key: 'breaker:main',
    condition: 'breaker',
    severity: 'critical',
    title: 'Circuit open: main',
    text: 'open',
    fields: {},
  };
  const tracker = (delivered: AlertMessage[], overrides: { resolveAfterMs?: number } = {}) =>
    new IncidentTracker({
      reminderIntervalMs: 60_000,
      resolveAfterMs: overrides.resolveAfterMs ?? 10_000,
      evaluateIntervalMs: 1_000,
      store: createMemoryStore(),
      instance: 'test',
      deliver: (message, _condition, sent) => {
        if (sent) delivered.push(message);
      },
      onStoreError: () => {},
    });

  it('a condition that flaps 100 times inside the resolve delay is one incident', async () => {
    const delivered: AlertMessage[] = [];
    const incidents = tracker(delivered);
    let now = 1_000_000;
    for (let flap = 0; flap < 200; flap++) {
      await incidents.evaluate(now, flap % 2 === 0 ? [condition] : []);
      now += 1_000;
    }
    assert.deepEqual(
      delivered.map((message) => message.state),
      ['firing', 'reminder', 'reminder', 'reminder'],
      'one firing; reminders only at the 60 s interval (200 s of flapping)',
    );
    await incidents.evaluate(now + 10_000, []);
    assert.deepEqual(delivered.at(-1)?.state, 'resolved');
    assert.equal(new Set(delivered.map((message) => message.incidentId)).size, 1);
    assert.equal(delivered.at(-1)?.severity, 'info');
  });

  it('a store that fails still lets the alert out (a duplicate beats a loss)', async () => {
    const delivered: AlertMessage[] = [];
    let errors = 0;
    const broken = createMemoryStore();
    broken.setIfAbsent = () => Promise.reject(new Error('connection is closed'));
    broken.set = () => Promise.reject(new Error('connection is closed'));
    const incidents = new IncidentTracker({
      reminderIntervalMs: 60_000,
      resolveAfterMs: 0,
      evaluateIntervalMs: 1_000,
      store: broken,
      instance: 'test',
      deliver: (message, _condition, sent) => {
        if (sent) delivered.push(message);
      },
      onStoreError: () => errors++,
    });
    await incidents.evaluate(1_000, [condition]);
    await incidents.evaluate(2_000, []);
    assert.deepEqual(
      delivered.map((message) => message.state),
      ['firing', 'resolved'],
    );
    assert.ok(errors >= 2);
  });
});
