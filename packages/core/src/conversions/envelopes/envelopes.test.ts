import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { request } from 'undici';
import { createGateway } from '../../gateway.js';
import { type GatewayServer, send, startGatewayServer } from '../../testing/index.js';
import type { Usage } from '../../types.js';

const messages = [{ role: 'user', content: 'hi' }];
const backOffice = {
  name: 'back-office',
  clients: ['erp'],
  answer: '{ "code": 0, "msg": "ok", "data": { "answer": text, "usage": usage, "model": request.model } }',
  error: '{ "code": status, "msg": error.message, "data": null }',
  stream: {
    format: 'ndjson' as const,
    delta: '{ "delta": text }',
    final: '{ "code": 0, "data": { "answer": text, "tokens": usage.total_tokens } }',
  },
};
// A Coze plugin declaring one output field, for every other client; streams as SSE.
const plugin = {
  name: 'coze-plugin',
  answer: '{ "output": text }',
  error: '{ "error_code": error.code, "error_msg": error.message }',
  stream: { format: 'sse' as const, delta: '{ "piece": text, "choice": index }' },
};
const erp = { authorization: 'Bearer sk-erp' };
const bot = { authorization: 'Bearer sk-bot' };

describe('response envelopes', () => {
  let mock: MockUpstream;
  let ferry: GatewayServer;
  const usages: Usage[] = [];
  before(async () => {
    mock = await startMockUpstream({ content: 'The secret is 42, 好', chunks: 3 });
    ferry = await startGatewayServer({
      upstream: { url: mock.url, local: true },
      clients: [
        { id: 'erp', keys: ['sk-erp'] },
        { id: 'bot', keys: ['sk-bot'] },
      ],
      contentFilter: { words: ['secret'], response: 'mask' },
      responseEnvelopes: [backOffice, plugin],
      requestStreamUsage: true,
      onUsage: (usage) => usages.push(usage),
    });
  });
  after(async () => {
    await ferry.close();
    await mock.close();
  });

  it("maps a JSON answer into the client's shape; the filter masked it, accounting read the upstream's usage", async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: erp,
      body: { model: 'gpt-4o-mini', messages },
    });
    assert.equal(answer.status, 200);
    const usage = (answer.json as { data: { usage: { completion_tokens: number } } }).data.usage;
    assert.deepEqual(answer.json, {
      code: 0,
      msg: 'ok',
      data: { answer: 'The ****** is 42, 好', usage, model: 'gpt-4o-mini' },
    });
    assert.equal(usage.completion_tokens, 3);
    assert.equal(usages.at(-1)?.completionTokens, 3);
    assert.equal(usages.at(-1)?.source, 'upstream');
  });

  it('picks the envelope by client: another client gets its own shape', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: bot,
      body: { model: 'gpt-4o-mini', messages },
    });
    assert.deepEqual(answer.json, { output: 'The ****** is 42, 好' });
    const responses = await send(`${ferry.url}/responses`, {
      headers: bot,
      body: { model: 'gpt-4o', input: 'hi' },
    });
    assert.deepEqual(responses.json, { output: 'The ****** is 42, 好' });
  });

  it('streams each text delta as an NDJSON line, then a final line from the whole answer', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: erp,
      body: { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } },
    });
    assert.match(String(answer.headers['content-type']), /^application\/x-ndjson/);
    const lines = answer.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
    const final = lines.pop();
    assert.equal(lines.map((line) => line.delta).join(''), 'The ****** is 42, 好');
    assert.equal(final.code, 0);
    assert.equal(final.data.answer, 'The ****** is 42, 好');
    // The usage the client asked for.
    assert.equal(typeof final.data.tokens, 'number');
  });

  it('sees the stream the client gets: without include_usage the usage Ferry asked for is not there', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: erp,
      body: { model: 'gpt-4o-mini', messages, stream: true },
    });
    const final = JSON.parse(answer.text.trim().split('\n').at(-1) as string);
    assert.deepEqual(final, { code: 0, data: { answer: 'The ****** is 42, 好' } });
    assert.equal(usages.at(-1)?.source, 'upstream');
  });

  it('streams SSE deltas for an envelope that says so, Responses API included', async () => {
    const answer = await send(`${ferry.url}/responses`, {
      headers: bot,
      body: { model: 'gpt-4o', input: 'hi', stream: true },
    });
    const events = answer.text
      .split('\n\n')
      .filter((event) => event !== '')
      .map((event) => JSON.parse(event.slice('data: '.length)));
    assert.equal(events.map((event) => event.piece).join(''), 'The ****** is 42, 好');
    assert.ok(events.every((event) => event.choice === 0));
  });

  it('maps upstream errors and keeps their status', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { ...erp, 'x-mock-fault': 'status=429' },
      body: { model: 'gpt-4o-mini', messages },
    });
    assert.equal(answer.status, 429);
    const body = answer.json as { code: number; msg: string; data: null };
    assert.equal(body.code, 429);
    assert.equal(typeof body.msg, 'string');
    assert.equal(body.data, null);
  });

  it("maps Ferry's own errors with their status", async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: bot,
      body: { model: 'gpt-4o-mini', messages: 'not a list', max_tokens: -1 },
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(Object.keys(answer.json as object), ['error_code', 'error_msg']);
  });

  it('ends a cut stream with the mapped error and an abort, never a clean end', async () => {
    const response = await request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { ...erp, 'content-type': 'application/json', 'x-mock-fault': 'end-after=2' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
    });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of response.body) text += String(chunk);
    });
    const last = JSON.parse(text.trim().split('\n').at(-1) as string);
    assert.equal(last.code, 502);
    assert.match(last.msg, /ended before it was complete/);
  });

  it('cuts the connection when a mapping fails on an answer, never an unmapped answer', async () => {
    const failing = await startGatewayServer({
      upstream: { url: mock.url, local: true },
      responseEnvelopes: [{ name: 'failing', answer: '$error("no such field")' }],
    });
    try {
      await assert.rejects(
        send(`${failing.url}/chat/completions`, { body: { model: 'gpt-4o-mini', messages } }),
        /other side closed|socket/i,
      );
    } finally {
      await failing.close();
    }
  });

  it('refuses an expression that does not compile, naming its field', () => {
    assert.throws(
      () =>
        createGateway({
          logger: false,
          upstream: { url: mock.url, local: true },
          responseEnvelopes: [{ name: 'bad', answer: '{ "data": text ', stream: { delta: '$$$(' } }],
        }),
      /Invalid Ferry options — responseEnvelopes\.0\.answer: not a valid JSONata expression/,
    );
  });
});
