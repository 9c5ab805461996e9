import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, send, startGatewayWithMock } from '../testing/index.js';
import type { Usage } from '../types.js';

const messages = [{ role: 'user', content: 'What is the capital of France?' }];
const deterministic = { model: 'gpt-4o-mini', messages, temperature: 0 };
const clients = [
  { id: 'a1', tenant: 'team-a', keys: ['sk-team-a-1'] },
  { id: 'a2', tenant: 'team-a', keys: ['sk-team-a-2'] },
  { id: 'b1', tenant: 'team-b', keys: ['sk-team-b-1'] },
];
const as = (key: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${key}`,
  ...extra,
});
const chat = (url: string, key: string, body: object = deterministic, headers: Record<string, string> = {}) =>
  send(`${url}/chat/completions`, { headers: as(key, headers), body });

/** The text a stream carries, joined from its content deltas. */
const streamedText = (sse: string) =>
  sse
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => JSON.parse(event.slice(6)) as { choices: Array<{ delta?: { content?: string } }> })
    .map((chunk) => chunk.choices[0]?.delta?.content ?? '')
    .join('');

describe('exact response cache', () => {
  it('serves the second identical request from the cache: one upstream call, the same answer, x-ferry-cache hit', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      const first = await chat(ferry.url, 'sk-team-a-1');
      assert.equal(first.status, 200);
      assert.equal(first.headers['x-ferry-cache'], 'miss');
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'] === 'hit');
      const hit = await chat(ferry.url, 'sk-team-a-1');
      assert.equal(hit.status, 200);
      assert.equal(hit.headers['x-ferry-cache'], 'hit');
      assert.deepEqual(hit.json, first.json);
      assert.match(String(hit.headers.age), /^\d+$/);
      assert.ok(hit.headers['x-request-id'] !== undefined, 'a hit has the gateway headers');
      assert.equal(ferry.mock.requests.length, 1);
    } finally {
      await ferry.close();
    }
  });

  it('cross-tenant leak: two tenants, the same body, no shared hit (keys of one tenant do share)', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      assert.equal((await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'], 'miss');
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-2')).headers['x-ferry-cache'] === 'hit');
      const callsBefore = ferry.mock.requests.length;
      const other = await chat(ferry.url, 'sk-team-b-1');
      assert.equal(other.headers['x-ferry-cache'], 'miss', 'team-b must not see team-a’s answer');
      assert.equal(ferry.mock.requests.length, callsBefore + 1, 'team-b paid for its own upstream call');
      // Anonymous callers of an open gateway are kept apart by the tenant header too.
      const open = await startGatewayWithMock({ cache: {} });
      try {
        const ask = (tenant: string) =>
          send(`${open.url}/chat/completions`, {
            headers: { 'x-ferry-tenant': tenant },
            body: deterministic,
          });
        await ask('one');
        await eventually(async () => (await ask('one')).headers['x-ferry-cache'] === 'hit');
        assert.equal((await ask('two')).headers['x-ferry-cache'], 'miss');
      } finally {
        await open.close();
      }
    } finally {
      await ferry.close();
    }
  });

  it("scope 'key' keeps every client key apart, even inside one tenant", async () => {
    const ferry = await startGatewayWithMock({ clients, cache: { scope: 'key' } });
    try {
      await chat(ferry.url, 'sk-team-a-1');
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'] === 'hit');
      assert.equal((await chat(ferry.url, 'sk-team-a-2')).headers['x-ferry-cache'], 'miss');
    } finally {
      await ferry.close();
    }
  });

  it('bypasses sampled requests (no temperature means 1) and n > 1 unless configured', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      const sampled = { model: 'gpt-4o-mini', messages };
      for (const body of [sampled, { ...sampled, temperature: 0.7 }, { ...deterministic, n: 2 }]) {
        assert.equal((await chat(ferry.url, 'sk-team-a-1', body)).headers['x-ferry-cache'], 'bypass');
        assert.equal((await chat(ferry.url, 'sk-team-a-1', body)).headers['x-ferry-cache'], 'bypass');
      }
      assert.equal(ferry.mock.requests.length, 6);
    } finally {
      await ferry.close();
    }
    const configured = await startGatewayWithMock({
      clients,
      cache: { sampled: true, multipleChoices: true },
    });
    try {
      const body = { model: 'gpt-4o-mini', messages, n: 2 };
      await chat(configured.url, 'sk-team-a-1', body);
      await eventually(
        async () => (await chat(configured.url, 'sk-team-a-1', body)).headers['x-ferry-cache'] === 'hit',
      );
    } finally {
      await configured.close();
    }
  });

  it('keys on the canonical body: key order, stream and stream_options do not matter; seed, stop and tools do', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      await chat(ferry.url, 'sk-team-a-1', { temperature: 0, messages, model: 'gpt-4o-mini' });
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'] === 'hit');
      const streamed = await chat(ferry.url, 'sk-team-a-1', {
        ...deterministic,
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.equal(streamed.headers['x-ferry-cache'], 'hit');
      for (const extra of [{ seed: 7 }, { stop: ['\n'] }, { response_format: { type: 'json_object' } }]) {
        assert.equal(
          (await chat(ferry.url, 'sk-team-a-1', { ...deterministic, ...extra })).headers['x-ferry-cache'],
          'miss',
          JSON.stringify(extra),
        );
      }
    } finally {
      await ferry.close();
    }
  });

  it('replays a stored JSON answer as a real SSE stream, and a stored stream as JSON', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      const json = await chat(ferry.url, 'sk-team-a-1');
      const content = (json.json as { choices: Array<{ message: { content: string } }> }).choices[0]?.message
        .content;
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'] === 'hit');
      const stream = await chat(ferry.url, 'sk-team-a-1', { ...deterministic, stream: true });
      assert.equal(stream.headers['x-ferry-cache'], 'hit');
      assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
      assert.equal(streamedText(stream.text), content);
      assert.ok(stream.text.endsWith('data: [DONE]\n\n'));
      assert.ok(!stream.text.includes('"usage"'), 'no usage chunk when the caller did not ask for one');
      const withUsage = await chat(ferry.url, 'sk-team-a-1', {
        ...deterministic,
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.match(withUsage.text, /"choices":\[\],"usage":\{/);

      const other = {
        ...deterministic,
        messages: [{ role: 'user', content: 'and of Spain?' }],
        stream: true,
      };
      const miss = await chat(ferry.url, 'sk-team-a-1', other);
      assert.equal(miss.headers['x-ferry-cache'], 'miss');
      const asJson = { ...other, stream: false };
      await eventually(
        async () => (await chat(ferry.url, 'sk-team-a-1', asJson)).headers['x-ferry-cache'] === 'hit',
      );
      const replayed = await chat(ferry.url, 'sk-team-a-1', asJson);
      const message = (replayed.json as { choices: Array<{ message: { content: string } }> }).choices[0]
        ?.message;
      assert.equal(message?.content, streamedText(miss.text));
    } finally {
      await ferry.close();
    }
  });

  it('x-ferry-cache: no-store does not store, no-cache refreshes, ttl=1 expires, a bad value is a 400', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      await chat(ferry.url, 'sk-team-a-1', deterministic, { 'x-ferry-cache': 'no-store' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'], 'miss');
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'] === 'hit');
      const calls = ferry.mock.requests.length;
      const refreshed = await chat(ferry.url, 'sk-team-a-1', deterministic, { 'x-ferry-cache': 'no-cache' });
      assert.equal(refreshed.headers['x-ferry-cache'], 'bypass');
      assert.equal(ferry.mock.requests.length, calls + 1);
      assert.equal(
        ferry.mock.requests.at(-1)?.headers['x-ferry-cache'],
        undefined,
        'control header stays here',
      );

      const short = { ...deterministic, messages: [{ role: 'user', content: 'short-lived' }] };
      await chat(ferry.url, 'sk-team-a-1', short, { 'x-ferry-cache': 'ttl=1' });
      await eventually(
        async () => (await chat(ferry.url, 'sk-team-a-1', short)).headers['x-ferry-cache'] === 'hit',
      );
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      assert.equal((await chat(ferry.url, 'sk-team-a-1', short)).headers['x-ferry-cache'], 'miss');

      for (const bad of ['ttl=0', 'ttl=abc', 'forever', 'no-store, ttl=-1']) {
        const refused = await chat(ferry.url, 'sk-team-a-1', deterministic, { 'x-ferry-cache': bad });
        assert.equal(refused.status, 400, bad);
        const error = (refused.json as { error: Record<string, unknown> }).error;
        assert.equal(error.code, 'invalid_value');
        assert.equal(error.param, 'x-ferry-cache');
      }
    } finally {
      await ferry.close();
    }
  });

  it('stores only complete 200 answers: an upstream error or a cut stream is asked again', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      const failed = await chat(ferry.url, 'sk-team-a-1', deterministic, { 'x-mock-fault': 'status=500' });
      assert.equal(failed.status, 500);
      const cut = await chat(
        ferry.url,
        'sk-team-a-1',
        { ...deterministic, stream: true },
        { 'x-mock-fault': 'reset-after=2' },
      ).catch(() => undefined);
      assert.ok(cut === undefined || !cut.text.includes('[DONE]'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'], 'miss');
    } finally {
      await ferry.close();
    }
  });

  it('a hit costs nothing: zero usage from the cache, no spend, no tokens against the limit', async () => {
    const usages: Usage[] = [];
    const ferry = await startGatewayWithMock({
      clients,
      cache: {},
      budgets: { perKey: { dailyUsd: 100 } },
      usageEndpoint: { adminKey: 'admin-key-0123456789' },
      onUsage: (usage) => usages.push(usage),
    });
    try {
      await chat(ferry.url, 'sk-team-a-1');
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'] === 'hit');
      const hit = usages.at(-1);
      assert.deepEqual(hit, { promptTokens: 0, completionTokens: 0, totalTokens: 0, source: 'cache' });
      assert.equal(usages[0]?.source, 'upstream');
      assert.ok((usages[0]?.totalTokens ?? 0) > 0);
      // The ledger: every request counted, the tokens and spend of the one upstream call only.
      const first = usages[0] as Usage;
      await eventually(async () => {
        const report = await send(`${ferry.url}/ferry/usage?tenant=team-a`, {
          headers: as('admin-key-0123456789'),
        });
        const day = (report.json as { data: Array<{ day: Record<string, number> }> }).data[0]?.day;
        return day?.requests === usages.length && day.promptTokens === first.promptTokens;
      });
      const report = await send(`${ferry.url}/ferry/usage?tenant=team-a`, {
        headers: as('admin-key-0123456789'),
      });
      const day = (report.json as { data: Array<{ day: Record<string, number> }> }).data[0]?.day;
      assert.equal(day?.completionTokens, first.completionTokens);
      assert.ok((day?.spendUsd ?? 0) > 0);
    } finally {
      await ferry.close();
    }
  });

  it('a hit goes through the content filter like any answer', async () => {
    const ferry = await startGatewayWithMock({
      clients,
      cache: {},
      contentFilter: { words: ['mock upstream'] },
    });
    try {
      const first = await chat(ferry.url, 'sk-team-a-1');
      assert.ok(!first.text.includes('mock upstream'));
      await eventually(async () => (await chat(ferry.url, 'sk-team-a-1')).headers['x-ferry-cache'] === 'hit');
      const hit = await chat(ferry.url, 'sk-team-a-1');
      assert.ok(!hit.text.includes('mock upstream'), hit.text);
      assert.ok(hit.text.includes('*************'), hit.text);
      const stream = await chat(ferry.url, 'sk-team-a-1', { ...deterministic, stream: true });
      assert.equal(stream.headers['x-ferry-cache'], 'hit');
      assert.ok(!streamedText(stream.text).includes('mock upstream'));
    } finally {
      await ferry.close();
    }
  });

  it('caches embeddings', async () => {
    const ferry = await startGatewayWithMock({ clients, cache: {} });
    try {
      const body = { model: 'text-embedding-3-small', input: ['a', 'b'] };
      const embed = () => send(`${ferry.url}/embeddings`, { headers: as('sk-team-a-1'), body });
      const first = await embed();
      assert.equal(first.headers['x-ferry-cache'], 'miss');
      await eventually(async () => (await embed()).headers['x-ferry-cache'] === 'hit');
      assert.deepEqual((await embed()).json, first.json);
      assert.equal(ferry.mock.requests.length, 1);
    } finally {
      await ferry.close();
    }
  });
});
