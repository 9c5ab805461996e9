import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GatewayOptions } from '../options.js';
import {
  eventually,
  send,
  startGatewayServer,
  startGatewayWithMock,
  startRawUpstream,
} from '../testing/index.js';
import { type FakePlatform, startFakePlatform } from './sinks/test-platform-server.js';

const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
const chat = (headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

describe('alert conditions', () => {
  let receiver: FakePlatform;
  const titles = () =>
    receiver.requests.flatMap((request) =>
      (JSON.parse(request.raw.toString()) as { alerts: Array<{ title: string; state: string }> }).alerts.map(
        (alert) => `${alert.state} ${alert.title}`,
      ),
    );
  const alerts = (conditions: NonNullable<GatewayOptions['alerts']>['conditions'] = {}) => ({
    sinks: [
      {
        type: 'webhook' as const,
        url: `${receiver.url}/hook`,
        allowPrivateAddress: true,
        rateLimit: { count: 1_000, windowMs: 1_000 },
      },
    ],
    evaluateIntervalMs: 100,
    conditions,
  });
  before(async () => {
    receiver = await startFakePlatform(() => ({ body: {} }));
  });
  after(() => receiver.close());

  it('an upstream key cooling down after a 429', async () => {
    receiver.requests.length = 0;
    const ferry = await startGatewayWithMock({
      upstream: { name: 'main', keys: [{ apiKey: 'sk-upstream-a' }, { apiKey: 'sk-upstream-b' }] },
      alerts: alerts(),
    });
    try {
      const answer = await send(
        `${ferry.url}/chat/completions`,
        chat({ 'x-mock-fault': 'status=429;retry-after=30;times=1' }),
      );
      assert.equal(answer.status, 200, 'the other key answered');
      await eventually(async () => titles().includes('firing Upstream key cooling down: main/key0'));
      assert.ok(!JSON.stringify(titles()).includes('sk-upstream'));
    } finally {
      await ferry.close();
    }
  });

  it('upstream quota nearly used: x-ratelimit-remaining-requests low', async () => {
    receiver.requests.length = 0;
    const upstream = await startRawUpstream((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, {
          'content-type': 'application/json',
          'x-ratelimit-limit-requests': '100',
          'x-ratelimit-remaining-requests': '5',
        });
        response.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          }),
        );
      });
    });
    const ferry = await startGatewayServer({
      upstream: { name: 'main', url: upstream.url, local: true },
      pacing: {},
      alerts: alerts(),
    });
    try {
      assert.equal((await send(`${ferry.url}/chat/completions`, chat())).status, 200);
      await eventually(async () => titles().includes('firing Upstream quota nearly used: main'));
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });

  it('upstream quota nearly used: requests queueing in pacing', async () => {
    receiver.requests.length = 0;
    const ferry = await startGatewayWithMock({
      upstream: { name: 'main' },
      // One request a second: of three sent at once, two wait for a slot.
      pacing: { requestsPerMinute: 60, burstRequests: 1 },
      alerts: alerts({ quota: { queueDepth: 2 } }),
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 3 }, () => send(`${ferry.url}/chat/completions`, chat())),
      );
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200, 200],
      );
      await eventually(async () => titles().includes('firing Upstream quota nearly used: main'));
      const [alert] = receiver.requests.flatMap(
        (request) =>
          (JSON.parse(request.raw.toString()) as { alerts: Array<{ fields: Record<string, string> }> })
            .alerts,
      );
      assert.equal(alert?.fields.queue, '2');
    } finally {
      await ferry.close();
    }
  });

  it('Redis degraded: the alert goes out although the shared store is the one failing', async () => {
    receiver.requests.length = 0;
    const ferry = await startGatewayWithMock({
      redis: { url: 'redis://127.0.0.1:1', keyPrefix: 'ferry-dead:' },
      limits: { key: 'ip', requests: { limit: 100, onStoreFailure: 'open' } },
      alerts: alerts(),
    });
    try {
      assert.equal((await send(`${ferry.url}/chat/completions`, chat())).status, 200);
      await eventually(async () => titles().includes('firing Store degraded: limits'));
    } finally {
      await ferry.close();
    }
  });

  it('content-filter stop rate over the threshold, and not under it', async () => {
    receiver.requests.length = 0;
    const ferry = await startGatewayWithMock(
      {
        contentFilter: { words: ['forbidden'], response: 'stop' },
        alerts: alerts({ contentFilter: { minEvents: 10, threshold: 0.2 } }),
      },
      { content: 'this answer is clean' },
    );
    try {
      const fire = (content: string, count: number) =>
        Promise.all(
          Array.from({ length: count }, () =>
            send(`${ferry.url}/chat/completions`, chat({ 'x-mock-content': encodeURIComponent(content) })),
          ),
        );
      // 1 stopped answer in 11: under 20 %.
      await fire('this answer is clean', 10);
      await fire('a forbidden answer', 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.ok(!titles().some((title) => title.includes('Content filter')), JSON.stringify(titles()));
      // 5 in 15: over.
      await fire('a forbidden answer', 4);
      await eventually(async () => titles().includes('firing Content filter stopping many answers'));
    } finally {
      await ferry.close();
    }
  });
});
