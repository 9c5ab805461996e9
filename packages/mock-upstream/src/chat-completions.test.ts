import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from './index.js';
import { eventPayloads, parseEvents, postJson } from './testing/http-client.js';

const content = 'Hello from the mock upstream. 你好，世界！';
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello in two languages.' },
];
// ceil((9 + 27) / 4) + 3 * 2
const promptTokens = 15;

describe('POST /v1/chat/completions', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  after(() => mock.close());

  it('answers a chat.completion with the content, echoed model and usage', async () => {
    const response = await postJson(`${mock.url}/chat/completions`, { model: 'gpt-4o', messages });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.match(String(response.headers['x-request-id']), /^mock-req-\d+$/);
    const completion = JSON.parse(response.text);
    assert.match(completion.id, /^chatcmpl-mock-\d+$/);
    assert.equal(
      completion.id.slice('chatcmpl-mock-'.length),
      String(response.headers['x-request-id']).slice(9),
    );
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-4o');
    assert.ok(Number.isInteger(completion.created));
    assert.deepEqual(completion.choices, [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    assert.deepEqual(completion.usage, {
      prompt_tokens: promptTokens,
      completion_tokens: 5,
      total_tokens: promptTokens + 5,
    });
  });

  it('streams a role chunk, one delta per chunk, a finish chunk and [DONE], without usage by default', async () => {
    const response = await postJson(`${mock.url}/chat/completions`, {
      model: 'gpt-4o-mini',
      messages,
      stream: true,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    const events = parseEvents(response.text);
    assert.equal(events.at(-1)?.data, '[DONE]');
    const chunks = eventPayloads(response.text) as {
      id: string;
      object: string;
      model: string;
      choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
    }[];
    assert.equal(chunks.length, 1 + 5 + 1);
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, 'gpt-4o-mini');
      assert.equal(chunk.id, chunks[0]?.id);
      assert.ok(!('usage' in chunk), 'usage must be absent when not asked for');
    }
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    const deltas = chunks.slice(1, 6).map((chunk) => chunk.choices[0]?.delta.content);
    assert.equal(deltas.join(''), content);
    assert.ok(deltas.every((delta) => delta !== undefined && delta.length > 0));
    assert.deepEqual(chunks[6]?.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
  });

  it('adds usage: null to every chunk and a final usage chunk when include_usage is set', async () => {
    const response = await postJson(`${mock.url}/chat/completions`, {
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = eventPayloads(response.text);
    assert.equal(chunks.length, 1 + 5 + 1 + 1);
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, {
      prompt_tokens: promptTokens,
      completion_tokens: 5,
      total_tokens: promptTokens + 5,
    });
    assert.equal(parseEvents(response.text).at(-1)?.data, '[DONE]');
  });

  it('sends no usage chunk when include_usage is false', async () => {
    const response = await postJson(`${mock.url}/chat/completions`, {
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: false },
    });
    const chunks = eventPayloads(response.text);
    assert.equal(chunks.length, 7);
    assert.ok(chunks.every((chunk) => !('usage' in chunk)));
  });

  it('rejects a request without model or messages like OpenAI', async () => {
    const noMessages = await postJson(`${mock.url}/chat/completions`, { model: 'gpt-4o' });
    assert.equal(noMessages.status, 400);
    assert.deepEqual(JSON.parse(noMessages.text).error, {
      message: "Missing required parameter: 'messages'.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'missing_required_parameter',
    });
    const noModel = await postJson(`${mock.url}/chat/completions`, { messages });
    assert.equal(noModel.status, 400);
    assert.equal(JSON.parse(noModel.text).error.param, 'model');
  });

  it('calls the function tool_choice forces, whole and streamed with id and name first', async () => {
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
    const whole = JSON.parse(
      (
        await postJson(`${mock.url}/chat/completions`, {
          model: 'gpt-4o',
          messages,
          tools,
          tool_choice: 'required',
        })
      ).text,
    );
    assert.equal(whole.choices[0].finish_reason, 'tool_calls');
    const call = whole.choices[0].message.tool_calls[0];
    assert.match(call.id, /^call_mock_\d+$/);
    assert.equal(call.function.name, 'lookup');
    assert.deepEqual(JSON.parse(call.function.arguments), { text: content });
    const streamed = eventPayloads(
      (
        await postJson(`${mock.url}/chat/completions`, {
          model: 'gpt-4o',
          messages,
          tools,
          tool_choice: { type: 'function', function: { name: 'lookup' } },
          stream: true,
        })
      ).text,
    ) as Array<{
      choices: Array<{
        delta: { tool_calls?: Array<{ id?: string; function: { name?: string; arguments: string } }> };
        finish_reason: unknown;
      }>;
    }>;
    const deltas = streamed.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    assert.match(String(deltas[0]?.id), /^call_mock_\d+$/);
    assert.equal(deltas[0]?.function.name, 'lookup');
    assert.ok(deltas.slice(1).every((delta) => delta.id === undefined));
    assert.deepEqual(JSON.parse(deltas.map((delta) => delta.function.arguments).join('')), { text: content });
    assert.equal(streamed.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  });
});
