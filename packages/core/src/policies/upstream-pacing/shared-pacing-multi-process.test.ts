import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { send } from '../../testing/index.js';
import { type GatewayProcess, startGatewayProcess } from '../../testing/start-gateway-process.js';

// A real Redis is part of the test environment (CI starts one): without it this suite fails.
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

// The seed's 3000 RPM scaled down: 600 per minute is one request every 100 ms. The upstream
// lets 3 through at once (an account's bucket tolerates a little jitter); the pacers send one.
const quotaPerMinute = 600;
const intervalMs = 60_000 / quotaPerMinute;

async function threeGateways(pacing: object): Promise<{ mock: MockUpstream; gateways: GatewayProcess[] }> {
  const mock = await startMockUpstream({
    record: false,
    quota: { requests: quotaPerMinute, periodMs: 60_000, burst: 3 },
  });
  const options = {
    upstream: { url: mock.url, local: true },
    redis: { url: redisUrl, keyPrefix: `ferry-test:${randomUUID()}:`, instances: 3 },
    pacing: { requestsPerMinute: quotaPerMinute, burstRequests: 1, maxWaitMs: 30_000, ...pacing },
  };
  const gateways = await Promise.all([1, 2, 3].map(() => startGatewayProcess(options)));
  return { mock, gateways };
}

/** `total` requests at once, spread over the gateways; statuses and the seconds it took. */
async function flood(gateways: GatewayProcess[], total: number) {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: total }, (_, index) =>
      send(`${(gateways[index % gateways.length] as GatewayProcess).url}/chat/completions`, { body }),
    ),
  );
  return { statuses: answers.map((answer) => answer.status), seconds: (performance.now() - started) / 1_000 };
}

describe('upstream pacing shared by three gateway processes through Redis', () => {
  const running: Array<{ mock: MockUpstream; gateways: GatewayProcess[] }> = [];
  after(async () => {
    for (const { mock, gateways } of running) {
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await mock.close();
    }
  });

  it('keeps the fleet under the upstream quota: no 429 from it, throughput near the quota', async (t) => {
    const fleet = await threeGateways({});
    running.push(fleet);
    const total = 60;
    const { statuses, seconds } = await flood(fleet.gateways, total);
    assert.deepEqual(
      statuses.filter((status) => status !== 200),
      [],
      'every request served, none refused by the upstream',
    );
    assert.deepEqual(fleet.mock.quotaCounts, { admitted: total, refused: 0 });
    // One slot every 100 ms after the first: 59 intervals are the floor of the duration.
    const ideal = ((total - 1) * intervalMs) / 1_000;
    assert.ok(
      seconds >= ideal * 0.95,
      `${seconds.toFixed(2)} s for ${total} requests: faster than the quota`,
    );
    const perMinute = (total / seconds) * 60;
    t.diagnostic(`${total} requests in ${seconds.toFixed(2)} s: ${perMinute.toFixed(0)} per minute`);
    assert.ok(
      perMinute >= quotaPerMinute * 0.8,
      `${perMinute.toFixed(0)} requests per minute against a quota of ${quotaPerMinute}`,
    );
  });

  it('the same fleet pacing alone (shared: false) sends about three times the quota and collects 429s', async () => {
    const fleet = await threeGateways({ shared: false });
    running.push(fleet);
    const { statuses } = await flood(fleet.gateways, 30);
    const refused = statuses.filter((status) => status === 429).length;
    assert.ok(refused >= 5, `only ${refused} of 30 refused by the upstream`);
    assert.equal(fleet.mock.quotaCounts.refused, refused);
  });
});
