// @ts-check
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startGateway } from './start-gateway.js';

/** @param {string} url @param {string} key @param {unknown} body @param {Record<string, string>} [headers] */
async function post(url, key, body, headers = {}) {
  const response = await request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const question = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'When does order 1042 ship?' }],
  metadata: { ticket: 'T-7' },
};

describe('business envelope example', () => {
  /** @type {Awaited<ReturnType<typeof startGateway>>} */
  let running;
  before(async () => {
    running = await startGateway({ port: 0, logger: false });
  });
  after(() => running.close());

  it("answers the back office in its { code, msg, data } shape, the request's ticket included", async () => {
    const answer = await post(`${running.url}/chat/completions`, 'sk-erp-demo', question);
    assert.equal(answer.status, 200);
    const body = JSON.parse(answer.text);
    assert.deepEqual(body, {
      code: 0,
      msg: 'ok',
      data: {
        answer: 'Order 1042 ships on Monday.',
        finish: 'stop',
        tokens: body.data.tokens,
        model: 'gpt-4o-mini',
        ticket: 'T-7',
      },
    });
    assert.equal(typeof body.data.tokens, 'number');
  });

  it('streams NDJSON: one line per text delta, then the final line', async () => {
    const answer = await post(`${running.url}/chat/completions`, 'sk-erp-demo', {
      ...question,
      stream: true,
    });
    assert.match(String(answer.headers['content-type']), /^application\/x-ndjson/);
    const lines = answer.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const final = lines.pop();
    assert.equal(lines.length, 4);
    assert.equal(lines.map((line) => line.delta).join(''), 'Order 1042 ships on Monday.');
    assert.deepEqual(final, {
      code: 0,
      msg: 'ok',
      data: { answer: 'Order 1042 ships on Monday.', done: true },
    });
  });

  it('maps errors to the same shape, with the same status', async () => {
    const answer = await post(`${running.url}/chat/completions`, 'sk-erp-demo', question, {
      'x-mock-fault': 'status=429',
    });
    assert.equal(answer.status, 429);
    const body = JSON.parse(answer.text);
    assert.equal(body.code, 429);
    assert.equal(body.data, null);
    assert.equal(typeof body.msg, 'string');
  });

  it('leaves other clients with plain OpenAI answers', async () => {
    const answer = await post(`${running.url}/chat/completions`, 'sk-app-demo', question);
    const body = JSON.parse(answer.text);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].message.content, 'Order 1042 ships on Monday.');
  });
});
