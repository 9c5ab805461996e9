import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { send } from '../../testing/index.js';

const gatewayScript = fileURLToPath(new URL('./testing/gateway-process.ts', import.meta.url));

async function startGatewayProcess(options: object): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', gatewayScript], {
    env: { ...process.env, FERRY_TEST_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    if (output.includes('\n')) break;
  }
  child.stdout?.resume();
  const { url } = JSON.parse(output.trim()) as { url: string };
  return { child, url };
}

describe('limits shared by gateway processes through Redis', () => {
  let mock: MockUpstream;
  const gateways: Array<{ child: ChildProcess; url: string }> = [];

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
    for (const { child } of gateways) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
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
