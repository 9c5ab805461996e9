import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMockUpstream } from './index.js';
import { postJson } from './testing/http-client.js';

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

describe('mock upstream quota', () => {
  it('admits the burst, refuses the rest with OpenAI headers, then refills at the rate', async () => {
    // 600 per minute (one every 100 ms), 3 at once.
    const mock = await startMockUpstream({
      quota: { requests: 600, periodMs: 60_000, burst: 3 },
      record: false,
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => postJson(`${mock.url}/chat/completions`, body)),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      const refused = answers.find((answer) => answer.status === 429);
      assert.equal(JSON.parse(refused?.text ?? '{}').error.code, 'rate_limit_exceeded');
      assert.equal(refused?.headers['x-ratelimit-limit-requests'], '600');
      assert.equal(refused?.headers['x-ratelimit-remaining-requests'], '0');
      assert.ok(Number(refused?.headers['retry-after-ms']) > 0);
      const admitted = answers.filter((answer) => answer.status === 200);
      assert.deepEqual(admitted.map((answer) => answer.headers['x-ratelimit-remaining-requests']).sort(), [
        '0',
        '1',
        '2',
      ]);
      assert.deepEqual(mock.quotaCounts, { admitted: 3, refused: 2 });
      await sleep(250); // at least two slots come back (three at most: the burst)
      const later = await Promise.all(
        Array.from({ length: 4 }, () => postJson(`${mock.url}/chat/completions`, body)),
      );
      const admittedLater = later.filter((answer) => answer.status === 200).length;
      assert.ok(admittedLater >= 2 && admittedLater <= 3, `${admittedLater} admitted after 250 ms`);
      assert.equal(later.filter((answer) => answer.status === 429).length, 4 - admittedLater);
    } finally {
      await mock.close();
    }
  });

  it('can be set and removed at run time, and refuses a bad quota', async () => {
    const mock = await startMockUpstream({ record: false });
    try {
      assert.throws(() => mock.setOptions({ quota: { requests: 0, periodMs: 1_000 } }), /quota\.requests/);
      mock.setOptions({ quota: { requests: 1, periodMs: 60_000 } });
      assert.equal((await postJson(`${mock.url}/chat/completions`, body)).status, 200);
      assert.equal((await postJson(`${mock.url}/chat/completions`, body)).status, 429);
      mock.setOptions({ quota: undefined });
      const free = await postJson(`${mock.url}/chat/completions`, body);
      assert.equal(free.status, 200);
      assert.equal(free.headers['x-ratelimit-limit-requests'], undefined);
    } finally {
      await mock.close();
    }
  });
});
