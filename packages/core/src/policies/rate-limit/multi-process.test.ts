import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { send } from '../../testing/index.js';
import { type GatewayProcess, startGatewayProcess } from '../../testing/start-gateway-process.js';

describe('limits shared by gateway processes through Redis', () => {
  let mock: MockUpstream;
  const gateways: GatewayProcess[] = [];

  before(async () => {
    mock = await startMockUpstream({ record: false });
    const options = {
      upstream: { url: mock.url, local: true },
      clientKeys: ['sk-shared'],
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: `ferry-test:${randomUUID()}:` },
      // Exact while Redis answers within storeTimeoutMs; past it the per-process insurance
      // limiter decides. Three processes on a loaded test machine need a generous timeout.
      limits: { storeTimeoutMs: 5_000, requests: { limit: 100 }, tokens: { limit: 1_000_000 } },
    };
    gateways.push(
      ...(await Promise.all([
        startGatewayProcess(options),
        startGatewayProcess(options),
        startGatewayProcess(options),
      ])),
    );
  });
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await mock.close();
  });

  it('admits exactly the limit out of 1000 concurrent requests spread over 3 processes', async () => {
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => {
        const { url } = gateways[index % gateways.length] as { url: string };
        return send(`${url}/chat/completions`, {
          headers: { authorization: 'Bearer sk-shared' },
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
        });
      }),
    );
    const admitted = answers.filter((answer) => answer.status === 200).length;
    const limited = answers.filter((answer) => answer.status === 429).length;
    assert.equal(admitted, 100);
    assert.equal(limited, 900);
    // Counted per process, each would have admitted 100 (300 in all): the count is shared.
  });
});
