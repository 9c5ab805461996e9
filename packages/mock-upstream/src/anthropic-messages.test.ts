import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from './index.js';
import { parseEvents, postJson } from './testing/http-client.js';

const request = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 64,
  system: 'Be kind',
  messages: [{ role: 'user', content: 'Say hi' }],
  ...extra,
});
const weatherTool = { name: 'get_weather', input_schema: { type: 'object', properties: {} } };

describe('POST /v1/messages', () => {
  let mock: MockUpstream;
  let keyed: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({ content: 'Hi there, 世界', chunks: 3 });
    keyed = await startMockUpstream({ apiKey: 'sk-ant-mock' });
  });
  after(async () => {
    await mock.close();
    await keyed.close();
  });

  it('answers a message with one text block, stop reason and usage', async () => {
    const response = await postJson(`${mock.url}/messages`, request());
    assert.equal(response.status, 200);
    const body = JSON.parse(response.text);
    assert.match(body.id, /^msg_mock_\d+$/);
    assert.equal(body.type, 'message');
    assert.equal(body.role, 'assistant');
    assert.deepEqual(body.content, [{ type: 'text', text: 'Hi there, 世界' }]);
    assert.equal(body.stop_reason, 'end_turn');
    // ceil((6 + 7) / 4) input tokens, one output token per piece.
    assert.deepEqual(body.usage, {
      input_tokens: 4,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 3,
    });
  });

  it('streams the documented event sequence with cumulative usage in message_delta', async () => {
    const response = await postJson(`${mock.url}/messages`, request({ stream: true }));
    assert.equal(response.status, 200);
    const events = parseEvents(response.text);
    assert.deepEqual(
      events.map((event) => event.event),
      [
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    const data = events.map((event) => JSON.parse(event.data));
    assert.equal(
      data
        .slice(3, 6)
        .map((event) => event.delta.text)
        .join(''),
      'Hi there, 世界',
    );
    assert.deepEqual(data[7].delta, { stop_reason: 'end_turn', stop_sequence: null });
    assert.deepEqual(data[7].usage, { output_tokens: 3 });
  });

  it('calls the tool that tool_choice forces, streamed as input_json_delta', async () => {
    const whole = JSON.parse(
      (
        await postJson(
          `${mock.url}/messages`,
          request({ tools: [weatherTool], tool_choice: { type: 'any' } }),
        )
      ).text,
    );
    assert.equal(whole.stop_reason, 'tool_use');
    assert.deepEqual(whole.content, [
      { type: 'tool_use', id: whole.content[0].id, name: 'get_weather', input: { text: 'Hi there, 世界' } },
    ]);
    const streamed = parseEvents(
      (
        await postJson(
          `${mock.url}/messages`,
          request({ stream: true, tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather' } }),
        )
      ).text,
    ).map((event) => JSON.parse(event.data));
    assert.equal(streamed[1].content_block.type, 'tool_use');
    const json = streamed
      .filter((event) => event.delta?.type === 'input_json_delta')
      .map((event) => event.delta.partial_json)
      .join('');
    assert.deepEqual(JSON.parse(json), { text: 'Hi there, 世界' });
  });

  it('reports cache tokens and input tokens only in message_delta when asked', async () => {
    const response = await postJson(`${mock.url}/messages`, request({ stream: true }), {
      'x-mock-anthropic': 'cache-read=100,cache-write=20,input-in-delta',
    });
    const data = parseEvents(response.text).map((event) => JSON.parse(event.data));
    assert.equal(data[0].message.usage.input_tokens, 0);
    assert.deepEqual(data.at(-2).usage, {
      input_tokens: 4,
      cache_creation_input_tokens: 20,
      cache_read_input_tokens: 100,
      output_tokens: 3,
    });
  });

  it('sends the stop reason x-mock-anthropic names, with or without a tool call', async () => {
    const paused = await postJson(`${mock.url}/messages`, request(), {
      'x-mock-anthropic': 'stop=pause_turn',
    });
    assert.equal(JSON.parse(paused.text).stop_reason, 'pause_turn');
    const streamed = await postJson(
      `${mock.url}/messages`,
      request({ stream: true, tools: [weatherTool], tool_choice: { type: 'any' } }),
      { 'x-mock-anthropic': 'stop=end_turn' },
    );
    const delta = parseEvents(streamed.text)
      .map((event) => JSON.parse(event.data))
      .find((event) => event.type === 'message_delta');
    assert.equal(delta.delta.stop_reason, 'end_turn');
  });

  it('answers errors in Anthropic shape: missing fields, faults, a wrong x-api-key', async () => {
    const missing = await postJson(`${mock.url}/messages`, { model: 'claude-sonnet-4-5', messages: [] });
    assert.equal(missing.status, 400);
    assert.deepEqual(JSON.parse(missing.text), {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
    const overloaded = await postJson(`${mock.url}/messages`, request(), { 'x-mock-fault': 'status=529' });
    assert.equal(overloaded.status, 529);
    assert.equal(JSON.parse(overloaded.text).error.type, 'overloaded_error');
    const denied = await postJson(`${keyed.url}/messages`, request(), { 'x-api-key': 'wrong' });
    assert.equal(denied.status, 401);
    assert.equal(JSON.parse(denied.text).error.type, 'authentication_error');
    const allowed = await postJson(`${keyed.url}/messages`, request(), { 'x-api-key': 'sk-ant-mock' });
    assert.equal(allowed.status, 200);
  });
});
