import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import { type FerryProcess, listeningUrl, spawnFerry, waitFor } from './test-spawn-ferry.js';

// A real Redis is part of the test environment (CI starts one).
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hello' }];

const directory = mkdtempSync(join(tmpdir(), 'ferry-workers-test-'));
after(() => rmSync(directory, { recursive: true, force: true }));
const configFile = (options: object) => {
  const file = join(directory, `${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(options));
  return file;
};

/** The worker pids from the start-up line, and every pid that logged a request. */
const startedPids = (ferry: FerryProcess) =>
  (/Ferry runs \d+ workers \(pids ([\d, ]+)\)/.exec(ferry.stdout())?.[1] ?? '').split(', ').map(Number);
const requestPids = (ferry: FerryProcess) =>
  new Set(
    ferry
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"status"'))
      .map((line) => (JSON.parse(line) as { pid: number }).pid),
  );

/** One chat completion on a connection of its own, so the cluster may hand it to any worker. */
async function chatOnNewConnection(url: string): Promise<void> {
  const answer = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
  });
  assert.equal(answer.status, 200);
  await answer.arrayBuffer();
}

async function metricValue(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/ferry/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? Number.NaN);
}

describe('FERRY_WORKERS', () => {
  it('refuses more than one worker with state in process memory, exit 2, naming what and why', async () => {
    const ferry = spawnFerry(
      ['--port', '0', '--config', configFile({ limits: { requests: { limit: 10 } }, pacing: {} })],
      {
        FERRY_WORKERS: '2',
      },
    );
    assert.deepEqual(await ferry.exited, [2, null]);
    const [line, ...rest] = ferry.stderr().trim().split('\n');
    assert.deepEqual(rest, []);
    assert.match(
      line ?? '',
      /^Ferry did not start: FERRY_WORKERS=2 runs 2 processes, but limits, pacing would keep/,
    );
    assert.match(line ?? '', /configure "redis"/);
  });

  it('refuses a value that is not a number of processes, exit 2', async () => {
    const ferry = spawnFerry(['--port', '0'], { FERRY_WORKERS: 'many' });
    assert.deepEqual(await ferry.exited, [2, null]);
    assert.match(ferry.stderr(), /FERRY_WORKERS must be a number of processes from 1 or "auto", not "many"/);
  });

  it('a worker that cannot start fails the whole start with its exit status', async () => {
    const config = configFile({ redis: { url: redisUrl }, limits: { requests: { limit: -1 } } });
    const ferry = spawnFerry(['--port', '0', '--config', config], { FERRY_WORKERS: '2' });
    assert.deepEqual(await ferry.exited, [2, null]);
    assert.match(ferry.stderr(), /Ferry did not start: Invalid Ferry options — limits\.requests\.limit/);
    assert.doesNotMatch(ferry.stderr(), /starting another/);
  });

  describe('two workers on Redis', () => {
    let mock: MockUpstream;
    let ferry: FerryProcess;
    let url: string;
    let client: OpenAI;
    before(async () => {
      mock = await startMockUpstream({ record: false });
      const config = configFile({
        upstream: { name: 'mock', url: mock.url, local: true },
        redis: { url: redisUrl, keyPrefix: `ferry-test:${randomUUID()}:`, instances: 2 },
        limits: { requests: { limit: 1_000 } },
      });
      ferry = spawnFerry(['--port', '0', '--config', config], { FERRY_WORKERS: '2' });
      url = await listeningUrl(ferry);
      client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
    });
    after(async () => {
      ferry.child.kill('SIGKILL');
      await mock.close();
    });

    it('prints its address once, serves from both workers and sums their metrics', async () => {
      assert.equal(ferry.stdout().match(/Ferry gateway listening on/g)?.length, 1);
      const pids = startedPids(ferry);
      assert.equal(pids.length, 2);
      // Fresh connections each time, so the cluster hands them to both workers.
      for (let index = 0; index < 20; index++) {
        await chatOnNewConnection(url);
      }
      // The default logger flushes its lines every second: wait for both workers' lines.
      const served = await waitFor(
        () => (requestPids(ferry).size >= 2 ? requestPids(ferry) : undefined),
        3_000,
      ).catch(() => requestPids(ferry));
      assert.deepEqual([...served].sort(), [...pids].sort(), 'both workers served');
      const total = await metricValue(
        url,
        /^ferry_requests_total\{route="chat\.completions",method="POST",status="200",upstream="mock"\} (\d+)$/m,
      );
      assert.equal(total, 20, 'the scrape sums both workers');
    });

    it('starts a new worker when one dies, and keeps serving', async () => {
      const [victim] = startedPids(ferry);
      process.kill(victim as number, 'SIGKILL');
      for (
        let attempt = 0;
        attempt < 100 && !/died \(SIGKILL\); starting another/.test(ferry.stderr());
        attempt++
      ) {
        await sleep(50);
      }
      assert.match(ferry.stderr(), new RegExp(`Ferry worker ${victim} died \\(SIGKILL\\); starting another`));
      // The replacement is a pid the start-up line did not name; fresh connections reach it.
      const isNew = (pid: number) => !startedPids(ferry).includes(pid);
      for (let attempt = 0; attempt < 100 && ![...requestPids(ferry)].some(isNew); attempt++) {
        await chatOnNewConnection(url);
        await sleep(50); // the new worker needs a moment to start
      }
      const serving = [...requestPids(ferry)];
      assert.ok(serving.some(isNew), `a new worker serves (pids seen: ${serving.join(', ')})`);
    });

    it('on SIGTERM lets an in-flight stream finish in its worker, then exits 0', async () => {
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages, stream: true },
        { headers: { 'x-mock-chunks': '8', 'x-mock-chunk-interval-ms': '50' } },
      );
      const iterator = stream[Symbol.asyncIterator]();
      let chunks = (await iterator.next()).done ? 0 : 1;
      ferry.child.kill('SIGTERM');
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks++;
      assert.ok(chunks >= 8, `${chunks} chunks`);
      assert.deepEqual(await ferry.exited, [0, null]);
      assert.match(ferry.stdout(), /SIGTERM: stopping 2 workers gracefully/);
    });
  });
});
