import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import {
  eventually,
  type GatewayServer,
  send,
  startGatewayServer,
  startGatewayWithMock,
  startRawUpstream,
} from '../testing/index.js';
import type { Usage } from '../types.js';

const messages = [{ role: 'user', content: 'Tell me a story' }];
// Sampled on purpose: coalescing is opt-in exactly because it shares one draw.
const body = { model: 'gpt-4o-mini', messages, temperature: 1 };
const clients = [
  { id: 'a', tenant: 'team-a', keys: ['sk-team-a'] },
  { id: 'b', tenant: 'team-b', keys: ['sk-team-b'] },
];
const as = (key: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${key}`,
  ...extra,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a streamed request and collects its body as it arrives; `abort` leaves mid-stream. */
async function openStream(url: string, key = 'sk-team-a', headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await request(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...as(key, headers) },
    body: JSON.stringify({ ...body, stream: true }),
    signal: controller.signal,
  });
  let text = '';
  let firstChunk: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    firstChunk = resolve;
  });
  const finished = (async () => {
    try {
      for await (const chunk of response.body) {
        text += Buffer.from(chunk).toString('utf8');
        firstChunk();
      }
      return 'ended' as const;
    } catch {
      return 'aborted' as const;
    }
  })();
  return { response, first, finished, text: () => text, abort: () => controller.abort() };
}

/** An upstream that holds every answer until `release()`, and counts its calls. */
async function startHeldUpstream() {
  let calls = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const answer = JSON.stringify({
    id: 'chatcmpl-held',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'Once upon a time.' }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 },
  });
  const raw = await startRawUpstream((request, response) => {
    calls++;
    request.resume();
    void released.then(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(answer);
    });
  });
  return { url: raw.url, close: () => raw.close(), calls: () => calls, release };
}

/** Resolves once `count` requests entered the gateway and had a moment to reach the cache stage. */
async function arrived(ferry: GatewayServer, count: number) {
  let started = 0;
  await new Promise<void>((resolve) => {
    ferry.gateway.events.on('request:start', () => {
      if (++started === count) resolve();
    });
  });
  // Between entering and joining there is no I/O, only the policies' microtasks.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('in-flight coalescing', () => {
  it('a burst of 100 identical requests makes one upstream call; every caller gets the answer', async () => {
    const upstream = await startHeldUpstream();
    const usages: Usage[] = [];
    const ferry = await startGatewayServer({
      upstream: { url: upstream.url, local: true },
      clients,
      coalesce: {},
      onUsage: (usage) => usages.push(usage),
    });
    try {
      const burst = Promise.all(
        Array.from({ length: 100 }, () =>
          send(`${ferry.url}/chat/completions`, { headers: as('sk-team-a'), body }),
        ),
      );
      // The upstream answers only once all 100 are in: a busy machine cannot spread the burst
      // past the first call and turn it into several.
      await arrived(ferry, 100);
      upstream.release();
      const answers = await burst;
      assert.equal(upstream.calls(), 1);
      for (const answer of answers) {
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.json, answers[0]?.json);
      }
      // Accounting: the leader carries the upstream's usage, the 99 who joined carry zero.
      await eventually(async () => usages.length === 100);
      assert.equal(usages.filter((usage) => usage.source === 'upstream').length, 1);
      const shared = usages.filter((usage) => usage.source === 'shared');
      assert.equal(shared.length, 99);
      assert.ok(shared.every((usage) => usage.totalTokens === 0));
      // Once the call is over, the next request calls again (nothing is kept).
      await send(`${ferry.url}/chat/completions`, { headers: as('sk-team-a'), body });
      assert.equal(upstream.calls(), 2);
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });

  it('maxCallers bounds one call: the caller past it leads a call of its own', async () => {
    const upstream = await startHeldUpstream();
    const ferry = await startGatewayServer({
      upstream: { url: upstream.url, local: true },
      clients,
      coalesce: { maxCallers: 2 },
    });
    try {
      const burst = Promise.all(
        Array.from({ length: 5 }, () =>
          send(`${ferry.url}/chat/completions`, { headers: as('sk-team-a'), body }),
        ),
      );
      await arrived(ferry, 5);
      upstream.release();
      const answers = await burst;
      assert.ok(answers.every((answer) => answer.status === 200));
      assert.equal(upstream.calls(), 3);
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });

  it('late joiners of a stream get the bytes so far, then the live rest, byte for byte', async () => {
    const ferry = await startGatewayWithMock({ clients, coalesce: {} }, { chunks: 10, chunkIntervalMs: 40 });
    try {
      const leader = await openStream(ferry.url);
      await leader.first;
      await sleep(120);
      const late = await openStream(ferry.url);
      await sleep(150);
      const later = await openStream(ferry.url);
      assert.equal(await leader.finished, 'ended');
      assert.equal(await late.finished, 'ended');
      assert.equal(await later.finished, 'ended');
      assert.ok(leader.text().endsWith('data: [DONE]\n\n'));
      assert.equal(late.text(), leader.text());
      assert.equal(later.text(), leader.text());
      assert.equal(ferry.mock.requests.length, 1);
    } finally {
      await ferry.close();
    }
  });

  it('a caller who cancels leaves the others untouched, the leader included', async () => {
    const ferry = await startGatewayWithMock({ clients, coalesce: {} }, { chunks: 10, chunkIntervalMs: 30 });
    try {
      const leader = await openStream(ferry.url);
      await leader.first;
      const quitter = await openStream(ferry.url);
      const stayer = await openStream(ferry.url);
      await quitter.first;
      quitter.abort();
      assert.equal(await quitter.finished, 'aborted');
      // Now the leader leaves too: the call goes on for the one still reading.
      leader.abort();
      assert.equal(await leader.finished, 'aborted');
      assert.equal(await stayer.finished, 'ended');
      assert.ok(stayer.text().endsWith('data: [DONE]\n\n'));
      assert.equal(ferry.mock.requests.length, 1);
      assert.equal((await ferry.mock.requests[0]?.closed)?.completed, true, 'the upstream call was not cut');
    } finally {
      await ferry.close();
    }
  });

  it('when every caller has left, the upstream call is aborted', async () => {
    const ferry = await startGatewayWithMock({ clients, coalesce: {} }, { chunks: 50, chunkIntervalMs: 30 });
    try {
      const one = await openStream(ferry.url);
      const two = await openStream(ferry.url);
      await one.first;
      await two.first;
      one.abort();
      two.abort();
      assert.equal((await ferry.mock.requests[0]?.closed)?.completed, false);
    } finally {
      await ferry.close();
    }
  });

  it("the leader's failure reaches every caller and is not kept", async () => {
    const ferry = await startGatewayWithMock({ clients, coalesce: {} }, { latencyMs: 100 });
    try {
      const failing = () =>
        send(`${ferry.url}/chat/completions`, {
          headers: as('sk-team-a', { 'x-mock-fault': 'status=503' }),
          body,
        });
      const answers = await Promise.all(Array.from({ length: 5 }, failing));
      assert.equal(ferry.mock.requests.length, 1);
      for (const answer of answers) {
        assert.equal(answer.status, 503);
        assert.deepEqual(answer.json, answers[0]?.json);
      }
      const reset = () =>
        send(`${ferry.url}/chat/completions`, {
          headers: as('sk-team-a', { 'x-mock-fault': 'reset-before-headers' }),
          body,
        });
      const failures = await Promise.all(Array.from({ length: 5 }, reset));
      assert.equal(ferry.mock.requests.length, 2);
      for (const failure of failures) {
        assert.equal(failure.status, 502);
        assert.equal((failure.json as { error: { code: string } }).error.code, 'upstream_connection_reset');
      }
      const ok = await send(`${ferry.url}/chat/completions`, { headers: as('sk-team-a'), body });
      assert.equal(ok.status, 200);
      assert.equal(ferry.mock.requests.length, 3);
    } finally {
      await ferry.close();
    }
  });

  it('does not share across tenants, nor between a stream and a JSON caller', async () => {
    const ferry = await startGatewayWithMock({ clients, coalesce: {} }, { latencyMs: 150 });
    try {
      await Promise.all([
        send(`${ferry.url}/chat/completions`, { headers: as('sk-team-a'), body }),
        send(`${ferry.url}/chat/completions`, { headers: as('sk-team-b'), body }),
        send(`${ferry.url}/chat/completions`, { headers: as('sk-team-a'), body: { ...body, stream: true } }),
      ]);
      assert.equal(ferry.mock.requests.length, 3);
    } finally {
      await ferry.close();
    }
  });

  it('with the cache: concurrent misses of one key call the upstream once, later ones hit', async () => {
    const upstream = await startHeldUpstream();
    const ferry = await startGatewayServer({
      upstream: { url: upstream.url, local: true },
      clients,
      cache: {},
      coalesce: {},
    });
    try {
      const deterministic = { ...body, temperature: 0 };
      const ask = () =>
        send(`${ferry.url}/chat/completions`, { headers: as('sk-team-a'), body: deterministic });
      const burst = Promise.all(Array.from({ length: 20 }, ask));
      await arrived(ferry, 20);
      upstream.release();
      const answers = await burst;
      assert.ok(
        answers.every((answer) => answer.status === 200 && answer.headers['x-ferry-cache'] === 'miss'),
      );
      assert.equal(upstream.calls(), 1);
      await eventually(async () => (await ask()).headers['x-ferry-cache'] === 'hit');
      assert.equal(upstream.calls(), 1);
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });
});
