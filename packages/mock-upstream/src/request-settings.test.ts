import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from './index.js';
import { eventPayloads, postJson } from './testing/http-client.js';

const streamingChat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true };

const contentDeltas = (text: string) =>
  eventPayloads(text)
    .map((chunk) => (chunk as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content)
    .filter((content) => content !== undefined && content !== '');

describe('x-mock-* header knobs', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  after(() => mock.close());

  it('x-mock-chunks and x-mock-content (URI-encoded) shape the stream', async () => {
    const content = 'Ünïcödé 👋 streams, split; fine?';
    const response = await postJson(`${mock.url}/chat/completions`, streamingChat, {
      'x-mock-chunks': '3',
      'x-mock-content': encodeURIComponent(content),
    });
    const deltas = contentDeltas(response.text);
    assert.equal(deltas.length, 3);
    assert.equal(deltas.join(''), content);
  });

  it('x-mock-latency-ms delays the response headers', async () => {
    const started = performance.now();
    const response = await postJson(
      `${mock.url}/chat/completions`,
      { ...streamingChat, stream: false },
      {
        'x-mock-latency-ms': '150',
      },
    );
    assert.equal(response.status, 200);
    assert.ok(performance.now() - started >= 145, 'answered before the latency elapsed');
  });

  it('x-mock-chunk-interval-ms spaces the stream events', async () => {
    const started = performance.now();
    const response = await postJson(`${mock.url}/chat/completions`, streamingChat, {
      'x-mock-chunks': '2',
      'x-mock-chunk-interval-ms': '40',
    });
    // role, 2 deltas, finish, [DONE]: four pauses between five events.
    assert.equal(contentDeltas(response.text).length, 2);
    assert.ok(performance.now() - started >= 155, 'events were not spaced');
  });

  it('answers 400 to a knob that is not a number', async () => {
    for (const [name, value] of [
      ['x-mock-chunks', '0'],
      ['x-mock-latency-ms', 'soon'],
      ['x-mock-chunk-interval-ms', '-1'],
      ['x-mock-content', '%E0%A4%A'],
    ] as const) {
      const response = await postJson(`${mock.url}/chat/completions`, streamingChat, { [name]: value });
      assert.equal(response.status, 400, name);
      const { error } = JSON.parse(response.text);
      assert.equal(error.code, 'invalid_mock_header');
      assert.match(error.message, new RegExp(name));
    }
  });

  it('setOptions changes the defaults at run time', async () => {
    mock.setOptions({ content: 'changed', chunks: 1 });
    try {
      const response = await postJson(`${mock.url}/chat/completions`, streamingChat);
      assert.deepEqual(contentDeltas(response.text), ['changed']);
      assert.throws(() => mock.setOptions({ chunks: 0 }), /'chunks'/);
    } finally {
      mock.setOptions({ content: 'Hello from the mock upstream. 你好，世界！', chunks: 5 });
    }
  });
});
