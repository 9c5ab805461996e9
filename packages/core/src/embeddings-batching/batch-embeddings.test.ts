import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { send, startGatewayWithMock } from '../testing/index.js';

const model = 'text-embedding-3-small';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Embedded = {
  data: Array<{ index: number; embedding: number[] }>;
  usage: { prompt_tokens: number; total_tokens: number };
};
/** The mock's token estimate of one text (four characters a token, rounded up). */
const mockTokens = (text: string) => Math.ceil(text.length / 4);

const embed = (url: string, input: unknown, headers: Record<string, string> = {}) =>
  send(`${url}/embeddings`, { headers, body: { model, input } });
const upstreamInputs = (ferry: { mock: { requests: ReadonlyArray<{ json: unknown }> } }) =>
  ferry.mock.requests.map((recorded) => (recorded.json as { input: unknown[] }).input);

describe('embeddings micro-batching', () => {
  it('merges concurrent callers into one upstream call and gives each its own vectors and usage', async () => {
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 1_000 } });
    const direct = await startGatewayWithMock();
    try {
      const texts = Array.from({ length: 10 }, (_, index) => `text number ${index} ${'z'.repeat(index * 7)}`);
      const answers = await Promise.all(texts.map((text) => embed(ferry.url, text)));
      assert.equal(ferry.mock.requests.length, 1);
      assert.deepEqual(upstreamInputs(ferry)[0], texts);
      let promptSum = 0;
      for (const [position, answer] of answers.entries()) {
        assert.equal(answer.status, 200);
        assert.equal(answer.headers['x-ferry-batch'], '10; usage=allocated');
        const own = answer.json as Embedded;
        assert.equal(own.data.length, 1);
        assert.equal(own.data[0]?.index, 0);
        const alone = (await embed(direct.url, texts[position])).json as Embedded;
        assert.deepEqual(own.data[0]?.embedding, alone.data[0]?.embedding, 'split back by index');
        promptSum += own.usage.prompt_tokens;
        assert.equal(own.usage.total_tokens, own.usage.prompt_tokens);
      }
      // The parts sum to exactly what the upstream reported for the one call.
      assert.equal(
        promptSum,
        texts.map(mockTokens).reduce((a, b) => a + b, 0),
      );
    } finally {
      await ferry.close();
      await direct.close();
    }
  });

  it('keeps a caller with several inputs together and in order', async () => {
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 1_000 } });
    try {
      const [one, two] = await Promise.all([embed(ferry.url, ['a', 'b', 'c']), embed(ferry.url, ['d', 'e'])]);
      assert.equal(ferry.mock.requests.length, 1);
      assert.deepEqual(upstreamInputs(ferry)[0], ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(
        ((one as { json: unknown }).json as Embedded).data.map((item) => item.index),
        [0, 1, 2],
      );
      assert.deepEqual(
        ((two as { json: unknown }).json as Embedded).data.map((item) => item.index),
        [0, 1],
      );
    } finally {
      await ferry.close();
    }
  });

  it('window boundary: callers inside the window share a call, a caller after it starts the next', async () => {
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 1_000 } });
    try {
      const first = embed(ferry.url, 'first');
      await sleep(40);
      const inside = embed(ferry.url, 'inside');
      await Promise.all([first, inside]);
      const after = await embed(ferry.url, 'after');
      assert.equal(after.status, 200);
      assert.deepEqual(upstreamInputs(ferry), [['first', 'inside'], ['after']]);
    } finally {
      await ferry.close();
    }
  });

  it('input cap boundary: a batch that reaches maxInputs goes at once; one that would pass it goes first', async () => {
    // A window of a minute: only the caps can send these batches within the test's time.
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 60_000, maxInputs: 4 } });
    try {
      const exactly = await Promise.all(['a', 'b', 'c', 'd'].map((text) => embed(ferry.url, text)));
      assert.ok(exactly.every((answer) => answer.status === 200));
      assert.deepEqual(upstreamInputs(ferry), [['a', 'b', 'c', 'd']]);
      // 3 inputs wait; 2 more would make 5 > 4: the 3 go now, the 2 open the next batch,
      // which 2 more fill to exactly 4.
      const three = embed(ferry.url, ['e', 'f', 'g']);
      await sleep(20);
      const two = embed(ferry.url, ['h', 'i']);
      assert.equal((await three).status, 200);
      const fill = embed(ferry.url, ['j', 'k']);
      await Promise.all([two, fill]);
      assert.deepEqual(upstreamInputs(ferry).slice(1), [
        ['e', 'f', 'g'],
        ['h', 'i', 'j', 'k'],
      ]);
      // More inputs than one call takes: sent alone, not split.
      const large = await embed(ferry.url, ['1', '2', '3', '4', '5']);
      assert.equal((large.json as Embedded).data.length, 5);
      assert.equal(large.headers['x-ferry-batch'], undefined);
    } finally {
      await ferry.close();
    }
  });

  it('token cap boundary: a batch that reaches maxTokens goes at once', async () => {
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 60_000, maxTokens: 10 } });
    try {
      // Token arrays count one token per element, so the boundary is exact.
      const full = await Promise.all([embed(ferry.url, [1, 2, 3, 4, 5, 6]), embed(ferry.url, [7, 8, 9, 10])]);
      assert.ok(full.every((answer) => answer.status === 200));
      assert.deepEqual(upstreamInputs(ferry), [
        [
          [1, 2, 3, 4, 5, 6],
          [7, 8, 9, 10],
        ],
      ]);
      const over = embed(ferry.url, [1, 2, 3, 4, 5, 6]);
      await sleep(20);
      const next = embed(ferry.url, [[1, 2, 3, 4, 5]]);
      assert.equal((await over).status, 200, '6 + 5 > 10: the first went alone');
      const fill = embed(ferry.url, [[1, 2, 3, 4, 5]]);
      await Promise.all([next, fill]);
      assert.deepEqual(upstreamInputs(ferry).slice(1), [
        [[1, 2, 3, 4, 5, 6]],
        [
          [1, 2, 3, 4, 5],
          [1, 2, 3, 4, 5],
        ],
      ]);
    } finally {
      await ferry.close();
    }
  });

  it('a caller who cancels before dispatch is removed from its batch', async () => {
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 1_000 } });
    try {
      const stays = embed(ferry.url, 'stays');
      const controller = new AbortController();
      const leaving = request(`${ferry.url}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, input: 'leaves' }),
        signal: controller.signal,
      }).catch(() => 'aborted');
      await sleep(50);
      controller.abort();
      assert.equal(await leaving, 'aborted');
      assert.equal((await stays).status, 200);
      assert.deepEqual(upstreamInputs(ferry), [['stays']]);
    } finally {
      await ferry.close();
    }
  });

  it('a poisoned input (an upstream 400 for the batch) fails only its owner', async () => {
    // A long window: the long input is token-counted by fit-context first (the encoding loads),
    // and all five must share the first call for the split to be what is tested.
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 3_000 } });
    try {
      const poison = 'word '.repeat(7_000);
      const inputs = ['alpha', 'beta', poison, 'gamma', 'delta'];
      const answers = await Promise.all(inputs.map((input) => embed(ferry.url, input)));
      answers.forEach((answer, position) => {
        if (position === 2) {
          assert.equal(answer.status, 400);
          assert.equal((answer.json as { error: { param: string } }).error.param, 'input');
        } else {
          assert.equal(answer.status, 200, `caller ${position}`);
          assert.equal((answer.json as Embedded).data.length, 1);
        }
      });
      // 5 → [3, 2]; the 3 holding the poison → [2, 1]: the poison alone is the last 400.
      const calls = upstreamInputs(ferry);
      assert.equal(calls.length, 5, 'one call for all, then two halves, then two quarters');
      assert.equal(calls[0]?.length, inputs.length, 'the first call carried every input');
      assert.ok(calls.some((input) => input.length === 1 && input[0] === poison));
    } finally {
      await ferry.close();
    }
  });

  it('bounded pending: a caller beyond maxPendingInputs is sent on its own at once', async () => {
    const ferry = await startGatewayWithMock({
      embeddingsBatching: { windowMs: 2_000, maxPendingInputs: 2 },
    });
    try {
      let windowEnded = false;
      const waiting = Promise.all([embed(ferry.url, 'one'), embed(ferry.url, 'two')]).then(() => {
        windowEnded = true;
      });
      await sleep(50);
      const bypass = await embed(ferry.url, 'three');
      assert.equal(windowEnded, false, 'answered while the two others still wait for their window');
      assert.equal(bypass.headers['x-ferry-batch'], undefined);
      await waiting;
      assert.deepEqual(upstreamInputs(ferry), ['three', ['one', 'two']]);
    } finally {
      await ferry.close();
    }
  });

  it('accounts each caller with its allocated share: budgets and the ledger per tenant', async () => {
    const admin = { authorization: 'Bearer admin-key-0123456789' };
    const ferry = await startGatewayWithMock({
      clients: [
        { id: 'a', tenant: 'team-a', keys: ['sk-team-a'] },
        { id: 'b', tenant: 'team-b', keys: ['sk-team-b'] },
      ],
      embeddingsBatching: { windowMs: 1_000 },
      budgets: { perTenant: { dailyUsd: 100 } },
      usageEndpoint: { adminKey: 'admin-key-0123456789' },
    });
    try {
      const long = 'word '.repeat(300);
      const [a, b] = await Promise.all([
        embed(ferry.url, long, { authorization: 'Bearer sk-team-a' }),
        embed(ferry.url, 'short', { authorization: 'Bearer sk-team-b' }),
      ]);
      assert.equal(ferry.mock.requests.length, 1);
      const usageA = ((a as { json: unknown }).json as Embedded).usage.prompt_tokens;
      const usageB = ((b as { json: unknown }).json as Embedded).usage.prompt_tokens;
      assert.equal(usageA + usageB, mockTokens(long) + mockTokens('short'));
      assert.ok(usageA > usageB * 10, 'shares follow the size of each caller’s input');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const report = await send(`${ferry.url}/ferry/usage?tenant=team-a&tenant=team-b`, { headers: admin });
      const days = (report.json as { data: Array<{ day: { requests: number; promptTokens: number } }> }).data;
      assert.deepEqual(
        days.map((entry) => [entry.day.requests, entry.day.promptTokens]),
        [
          [1, usageA],
          [1, usageB],
        ],
      );
    } finally {
      await ferry.close();
    }
  });

  it('rate limits apply per caller, before the batch', async () => {
    const ferry = await startGatewayWithMock({
      clients: [
        { id: 'a', keys: ['sk-a'] },
        { id: 'b', keys: ['sk-b'] },
      ],
      limits: { requests: { limit: 1 } },
      embeddingsBatching: { windowMs: 1_000 },
    });
    try {
      const answers = await Promise.all([
        embed(ferry.url, 'one', { authorization: 'Bearer sk-a' }),
        embed(ferry.url, 'two', { authorization: 'Bearer sk-a' }),
        embed(ferry.url, 'three', { authorization: 'Bearer sk-b' }),
      ]);
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 429]);
      assert.equal(ferry.mock.requests.length, 1);
      assert.equal(upstreamInputs(ferry)[0]?.length, 2);
    } finally {
      await ferry.close();
    }
  });

  it('works for the openai client (base64 vectors, the SDK default)', async () => {
    const ferry = await startGatewayWithMock({ embeddingsBatching: { windowMs: 1_000 } });
    try {
      const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
      const results = await Promise.all(
        ['p', 'q', 'r'].map((input) => client.embeddings.create({ model, input })),
      );
      assert.equal(ferry.mock.requests.length, 1);
      for (const result of results) {
        assert.equal(result.data.length, 1);
        assert.equal(result.data[0]?.embedding.length, 8);
      }
      assert.notDeepEqual(results[0]?.data[0]?.embedding, results[1]?.data[0]?.embedding);
    } finally {
      await ferry.close();
    }
  });
});
