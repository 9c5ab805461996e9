import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayOptions } from '../options.js';
import { insuranceShare } from '../policies/rate-limit/window-limiter.js';
import { startGatewayWithMock } from '../testing/index.js';
import {
  type LocalRedisCluster,
  type LocalRedisSentinel,
  startRedisCluster,
  startRedisSentinel,
} from './testing/redis-topologies.js';

// A master failover during load, on a real local Redis Cluster (3 masters, 3 replicas) and a
// real Sentinel set, for a fixed-window and a GCRA limit. What docs/scale-out.md promises:
// no request hangs (each answers within the store timeout plus the upstream's time), and
// nothing is admitted beyond the limit through Redis plus, while the store failed, the
// insurance limiter's share (limit / instances).
const limit = 40;
const instances = 2;
const messages = [{ role: 'user', content: 'Hi' }];
const algorithms = ['fixed-window', 'gcra'] as const;
type Algorithm = (typeof algorithms)[number];

interface Tally {
  /** Request id and status of each answer; `error` names a request that failed or hung. */
  answers: Array<{ id: string; status: number }>;
  other: string[];
}

async function gatewayOn(redis: NonNullable<GatewayOptions['redis']>, algorithm: Algorithm) {
  const ferry = await startGatewayWithMock(
    {
      upstream: { local: true },
      redis: { ...redis, keyPrefix: `ferry-failover-${algorithm}:`, instances },
      limits: {
        key: 'tenant',
        storeTimeoutMs: 300,
        requests: { limit, windowSeconds: 3_600, algorithm, onStoreFailure: 'insurance' },
      },
    },
    { record: false },
  );
  await ferry.gateway.ready();
  // Which requests the insurance limiter decided: from the request record, by request id.
  const insured = new Set<string>();
  ferry.gateway.events.on('request:end', ({ context }) => {
    if (context.record.rateLimitStore === 'insurance') insured.add(context.requestId);
  });
  /** One request of `tenant`; a request that takes longer than 5 s counts as hung. */
  const chat = async (tenant: string, tally: Tally) => {
    try {
      const answer = await fetch(`${ferry.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ferry-tenant': tenant },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
        signal: AbortSignal.timeout(5_000),
      });
      await answer.arrayBuffer();
      if (answer.status === 200 || answer.status === 429) {
        tally.answers.push({ id: answer.headers.get('x-request-id') ?? '', status: answer.status });
      } else tally.other.push(String(answer.status));
    } catch (error) {
      tally.other.push((error as Error).name);
    }
  };
  /** Admitted through Redis, admitted by insurance, limited (read once the requests settled). */
  const count = async (tally: Tally) => {
    await sleep(50);
    const admitted = tally.answers.filter((answer) => answer.status === 200);
    const viaInsurance = admitted.filter((answer) => insured.has(answer.id)).length;
    return {
      viaRedis: admitted.length - viaInsurance,
      viaInsurance,
      limited: tally.answers.length - admitted.length,
      other: tally.other,
    };
  };
  return { ferry, chat, count };
}
type TestGateway = Awaited<ReturnType<typeof gatewayOn>>;

const tally = (): Tally => ({ answers: [], other: [] });

/** Four requests at a time on `tenant` until `stop` resolves. */
async function load(
  chat: (tenant: string, tally: Tally) => Promise<void>,
  tenant: string,
  stop: Promise<void>,
) {
  const result = tally();
  let done = false;
  void stop.then(() => {
    done = true;
  });
  await Promise.all(
    [1, 2, 3, 4].map(async () => {
      while (!done) {
        await chat(tenant, result);
        await sleep(5);
      }
    }),
  );
  return result;
}

/** Waits until Redis decides again (a probe request not counted by insurance), then fires `count`. */
async function afterRecovery(gateway: TestGateway, tenant: string, count: number) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = tally();
    await gateway.chat(`probe-${attempt}`, probe);
    if ((await gateway.count(probe)).viaRedis === 1) break;
    await sleep(100);
  }
  const result = tally();
  await Promise.all(Array.from({ length: count }, () => gateway.chat(tenant, result)));
  return gateway.count(result);
}

function checkFailover(result: Awaited<ReturnType<TestGateway['count']>>) {
  assert.deepEqual(result.other, [], 'every request answered 200 or 429, none hung or failed');
  assert.ok(result.viaRedis <= limit, `${result.viaRedis} admitted through Redis, limit ${limit}`);
  assert.ok(
    result.viaInsurance <= insuranceShare(limit, instances),
    `${result.viaInsurance} admitted by insurance, share ${insuranceShare(limit, instances)}`,
  );
  assert.ok(result.limited > 0, 'the load went past the limit');
}

describe('a Redis Cluster master failover during load', () => {
  let cluster: LocalRedisCluster;
  const gateways = new Map<Algorithm, TestGateway>();
  before(async () => {
    cluster = await startRedisCluster();
    for (const algorithm of algorithms) {
      gateways.set(algorithm, await gatewayOn({ cluster: { nodes: cluster.nodes } }, algorithm));
    }
  });
  after(async () => {
    for (const gateway of gateways.values()) await gateway.ferry.close();
    await cluster.stop();
  });

  it('keeps answering with each limiter kind, admits no more than documented, and counts exactly on the new master', async () => {
    // Both limits' keys on the master that fails: GCRA's hash tag, then a window key beside it.
    const gcraKey = 'ferry-failover-gcra:rl:requests:gcra:{tenant:load}';
    const victim = await cluster.masterOfKey(gcraKey);
    let windowTenant = 'load';
    for (let index = 0; index < 200; index++) {
      const candidate = `load-${index}`;
      if (
        (await cluster.masterOfKey(`ferry-failover-fixed-window:rl:requests:3600:tenant:${candidate}`)) ===
        victim
      ) {
        windowTenant = candidate;
        break;
      }
    }
    let failedOver: () => void = () => {};
    const stop = new Promise<void>((resolve) => {
      failedOver = resolve;
    });
    const loads = [
      load((gateways.get('fixed-window') as TestGateway).chat, windowTenant, stop),
      load((gateways.get('gcra') as TestGateway).chat, 'load', stop),
    ];
    await sleep(300);
    await cluster.failOverKey(gcraKey);
    await sleep(1_000);
    failedOver();
    const [windowLoad, gcraLoad] = await Promise.all(loads);
    checkFailover(await (gateways.get('fixed-window') as TestGateway).count(windowLoad as Tally));
    checkFailover(await (gateways.get('gcra') as TestGateway).count(gcraLoad as Tally));
    for (const algorithm of algorithms) {
      const fresh = await afterRecovery(
        gateways.get(algorithm) as TestGateway,
        `after-${windowTenant}`,
        limit + 10,
      );
      assert.deepEqual([fresh.viaRedis, fresh.limited, fresh.other], [limit, 10, []], algorithm);
    }
  });
});

describe('a Sentinel master failover during load', () => {
  let sentinel: LocalRedisSentinel;
  const gateways = new Map<Algorithm, TestGateway>();
  before(async () => {
    sentinel = await startRedisSentinel();
    for (const algorithm of algorithms) {
      gateways.set(
        algorithm,
        await gatewayOn({ sentinel: { sentinels: sentinel.sentinels, name: sentinel.name } }, algorithm),
      );
    }
  });
  after(async () => {
    for (const gateway of gateways.values()) await gateway.ferry.close();
    await sentinel.stop();
  });

  it('follows the promoted replica with each limiter kind, admitting no more than documented', async () => {
    let failedOver: () => void = () => {};
    const stop = new Promise<void>((resolve) => {
      failedOver = resolve;
    });
    const loads = algorithms.map((algorithm) =>
      load((gateways.get(algorithm) as TestGateway).chat, 'load', stop),
    );
    await sleep(300);
    await sentinel.failOver();
    await sleep(1_000);
    failedOver();
    const results = await Promise.all(loads);
    for (const [index, algorithm] of algorithms.entries()) {
      checkFailover(await (gateways.get(algorithm) as TestGateway).count(results[index] as Tally));
    }
    for (const algorithm of algorithms) {
      const fresh = await afterRecovery(gateways.get(algorithm) as TestGateway, 'after', limit + 10);
      assert.deepEqual([fresh.viaRedis, fresh.limited, fresh.other], [limit, 10, []], algorithm);
    }
  });
});
