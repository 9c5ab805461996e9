import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from './index.js';
import { eventPayloads, parseEvents, postJson } from './testing/http-client.js';

describe('POST /v1/completions', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({ content: 'One two three', chunks: 3 });
  });
  after(() => mock.close());

  it('answers a text_completion with usage', async () => {
    const response = await postJson(`${mock.url}/completions`, {
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Count:',
    });
    assert.equal(response.status, 200);
    const completion = JSON.parse(response.text);
    assert.match(completion.id, /^cmpl-mock-\d+$/);
    assert.equal(completion.object, 'text_completion');
    assert.equal(completion.model, 'gpt-3.5-turbo-instruct');
    assert.deepEqual(completion.choices, [
      { text: 'One two three', index: 0, logprobs: null, finish_reason: 'stop' },
    ]);
    assert.deepEqual(completion.usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('streams one chunk per piece, a stop chunk and [DONE]', async () => {
    const response = await postJson(`${mock.url}/completions`, {
      model: 'm',
      prompt: 'Count:',
      stream: true,
    });
    assert.equal(response.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(parseEvents(response.text).at(-1)?.data, '[DONE]');
    const chunks = eventPayloads(response.text) as {
      object: string;
      choices: { text: string; finish_reason: string | null }[];
    }[];
    assert.equal(chunks.length, 4);
    assert.ok(chunks.every((chunk) => chunk.object === 'text_completion' && !('usage' in chunk)));
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.text).join(''), 'One two three');
    assert.deepEqual(
      chunks.map((chunk) => chunk.choices[0]?.finish_reason),
      [null, null, null, 'stop'],
    );
  });

  it('adds a usage chunk only when include_usage is set', async () => {
    const response = await postJson(`${mock.url}/completions`, {
      model: 'm',
      prompt: ['abcd', 'efgh'],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = eventPayloads(response.text);
    assert.equal(chunks.length, 5);
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });
});
