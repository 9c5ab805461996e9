import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { type GatewayServer, send, startGatewayServer } from '../../testing/index.js';
import type { Usage } from '../../types.js';
import { anthropicToolTurn, chatToolTurn } from '../test-tool-turn.js';

const clientKey = 'sk-ferry-client';
const upstreamKey = 'sk-openai-upstream';
const weather = {
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

describe('POST /v1/messages with the official Anthropic SDK, served by an OpenAI upstream', () => {
  let mock: MockUpstream;
  let ferry: GatewayServer;
  let limited: GatewayServer;
  let client: Anthropic;
  const usages: Usage[] = [];
  before(async () => {
    mock = await startMockUpstream({ apiKey: upstreamKey, content: 'Hello secret world, 你好', chunks: 4 });
    const upstream = { url: mock.url, apiKey: upstreamKey, local: true };
    ferry = await startGatewayServer({
      clientKeys: [clientKey],
      upstream,
      retry: { baseDelayMs: 1 },
      contentFilter: { words: ['secret'], response: 'mask' },
      onUsage: (usage) => usages.push(usage),
    });
    limited = await startGatewayServer({
      clientKeys: [clientKey],
      upstream,
      limits: { requests: { limit: 1, windowSeconds: 60 } },
    });
    client = new Anthropic({ baseURL: ferry.origin, apiKey: clientKey, maxRetries: 0 });
  });
  after(async () => {
    await ferry.close();
    await limited.close();
    await mock.close();
  });

  it('answers a message: the text (through the content filter), stop reason and usage', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be kind.',
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello ****** world, 你好' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 4);
    // Accounting saw the upstream's own report.
    assert.equal(usages.at(-1)?.completionTokens, 4);
    assert.equal(usages.at(-1)?.source, 'upstream');
  });

  it('sends the upstream a chat completion with its own key, no Anthropic headers, no client key', async () => {
    await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be kind.',
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    const recorded = mock.requests.at(-1);
    assert.equal(recorded?.path, '/v1/chat/completions');
    assert.equal(recorded?.headers.authorization, `Bearer ${upstreamKey}`);
    assert.equal(recorded?.headers['x-api-key'], undefined);
    assert.equal(recorded?.headers['anthropic-version'], undefined);
    assert.deepEqual(recorded?.json, {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'Say hi' },
      ],
      max_tokens: 100,
    });
  });

  it("streams Anthropic's full event sequence, and the SDK assembles the message", async () => {
    const names: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    stream.on('streamEvent', (event) => names.push(event.type));
    const message = await stream.finalMessage();
    assert.deepEqual(names, [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.equal((message.content[0] as { text: string }).text, 'Hello ****** world, 你好');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 4);
    assert.ok(message.usage.input_tokens > 0);
    // The stream asked the upstream for its usage chunk, and accounting read it.
    assert.deepEqual((mock.requests.at(-1)!.json as { stream_options: unknown }).stream_options, {
      include_usage: true,
    });
    assert.equal(usages.at(-1)?.source, 'upstream');
  });

  it('maps tool use: tool_choice, the tool_use block with the upstream id, stop reason tool_use', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weather],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const sent = mock.requests.at(-1)!.json as Record<string, unknown>;
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(message.stop_reason, 'tool_use');
    const block = message.content[0];
    assert.equal(block?.type, 'tool_use');
    assert.match((block as { id: string }).id, /^call_mock_\d+$/);
    assert.deepEqual((block as { input: unknown }).input, { text: 'Hello secret world, 你好' });
  });

  it('streams tool input as input_json_delta events that the SDK parses', async () => {
    const deltas: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weather],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    stream.on('inputJson', (partial) => deltas.push(partial));
    const message = await stream.finalMessage();
    assert.ok(deltas.length > 1);
    assert.equal(message.stop_reason, 'tool_use');
    const block = message.content.find((part) => part.type === 'tool_use');
    assert.equal((block as { name: string }).name, 'get_weather');
    assert.ok((block as { input: { text: string } }).input.text.startsWith('Hello'));
  });

  it('sends parallel tool calls as one assistant message and each tool_result as a tool message', async () => {
    await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weather],
      messages: anthropicToolTurn,
    });
    const sent = (mock.requests.at(-1)!.json as { messages: unknown[] }).messages;
    assert.deepEqual(sent, chatToolTurn);
  });

  it("answers a wrong key with Anthropic's 401 authentication_error, no key in the body", async () => {
    const wrong = new Anthropic({ baseURL: ferry.origin, apiKey: 'sk-wrong-key', maxRetries: 0 });
    const error = await wrong.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((thrown: unknown) => thrown);
    assert.ok(error instanceof Anthropic.AuthenticationError);
    assert.equal(error.status, 401);
    const body = error.error as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'authentication_error');
    assert.doesNotMatch(JSON.stringify(body), /sk-wrong-key|sk-openai|at \w+ \(/);
  });

  it('maps upstream errors to Anthropic statuses and types: 503 overloaded as 529, 429 as rate_limit_error', async () => {
    const overloaded = await client.messages
      .create(
        { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-fault': 'status=503' } },
      )
      .catch((thrown: unknown) => thrown);
    assert.ok(overloaded instanceof Anthropic.APIError);
    assert.equal(overloaded.status, 529);
    assert.equal((overloaded.error as { error: { type: string } }).error.type, 'overloaded_error');

    const limitedClient = new Anthropic({ baseURL: limited.origin, apiKey: clientKey, maxRetries: 0 });
    const ask = () =>
      limitedClient.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
    await ask();
    const refused = await ask().catch((thrown: unknown) => thrown);
    assert.ok(refused instanceof Anthropic.RateLimitError);
    assert.equal((refused.error as { error: { type: string } }).error.type, 'rate_limit_error');
  });

  it('retries a failed upstream attempt through the ordinary pipeline', async () => {
    const message = await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-mock-fault': 'status=503;times=1' } },
    );
    assert.equal(message.stop_reason, 'end_turn');
  });

  it('refuses bodies the Messages API refuses, naming the parameter, in Anthropic shape', async () => {
    const headers = { 'x-api-key': clientKey, 'anthropic-version': '2023-06-01' };
    const noMax = await send(`${ferry.url}/messages`, {
      headers,
      body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(noMax.status, 400);
    assert.deepEqual((noMax.json as { type: string }).type, 'error');
    assert.equal((noMax.json as { error: { type: string } }).error.type, 'invalid_request_error');
    assert.match((noMax.json as { error: { message: string } }).error.message, /max_tokens/);

    const badRole = await send(`${ferry.url}/messages`, {
      headers,
      body: { model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'hi' }] },
    });
    assert.equal(badRole.status, 400);
    assert.match((badRole.json as { error: { message: string } }).error.message, /messages\[0\]\.role/);

    const badVersion = await send(`${ferry.url}/messages`, {
      headers: { ...headers, 'anthropic-version': 'latest' },
      body: { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(badVersion.status, 400);
    assert.match((badVersion.json as { error: { message: string } }).error.message, /anthropic-version/);

    const notJson = await send(`${ferry.url}/messages`, {
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{nope',
    });
    assert.equal(notJson.status, 400);
    assert.equal((notJson.json as { type: string }).type, 'error');
  });

  it('forwards /v1/messages unchanged with anthropicMessages: false (an upstream that speaks it)', async () => {
    const passthrough = await startGatewayServer({
      upstream: { url: mock.url, apiKey: upstreamKey, local: true },
      anthropicMessages: false,
    });
    try {
      const body = {
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      };
      await send(`${passthrough.url}/messages`, { body });
      const recorded = mock.requests.at(-1);
      assert.equal(recorded?.path, '/v1/messages');
      assert.equal(recorded?.body.toString(), JSON.stringify(body));
    } finally {
      await passthrough.close();
    }
  });

  it('ends a cut upstream stream with an Anthropic error event and an abort', async () => {
    const stream = client.messages.stream(
      { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-mock-fault': 'end-after=3' } },
    );
    await assert.rejects(stream.finalMessage());
  });
});
