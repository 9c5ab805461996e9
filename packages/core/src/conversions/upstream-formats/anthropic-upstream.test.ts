import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI, { APIError } from 'openai';
import { type GatewayServer, send, startGatewayServer } from '../../testing/index.js';
import type { Usage } from '../../types.js';
import { anthropicToolTurn, chatToolTurn } from '../test-tool-turn.js';

const upstreamKey = 'sk-ant-upstream-key';
const clientKey = 'sk-ferry-client';
const messages = [
  { role: 'system' as const, content: 'Be kind.' },
  { role: 'user' as const, content: 'Say hi' },
];
const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('an upstream of type anthropic, reached with the openai client', () => {
  let claude: MockUpstream;
  let openai: MockUpstream;
  let ferry: GatewayServer;
  let chained: GatewayServer;
  let client: OpenAI;
  const usages: Usage[] = [];
  before(async () => {
    claude = await startMockUpstream({ apiKey: upstreamKey, content: 'Hello, 世界', chunks: 3 });
    openai = await startMockUpstream({ content: 'from openai', chunks: 2 });
    const anthropicUpstream = {
      name: 'claude',
      type: 'anthropic' as const,
      url: claude.url,
      apiKey: upstreamKey,
      local: true,
    };
    ferry = await startGatewayServer({
      clientKeys: [clientKey],
      upstreams: [anthropicUpstream],
      onUsage: (usage) => usages.push(usage),
    });
    chained = await startGatewayServer({
      clientKeys: [clientKey],
      // This Claude is overloaded on every request.
      upstreams: [
        { ...anthropicUpstream, headers: { 'x-mock-fault': 'status=529' } },
        { name: 'openai', url: openai.url, local: true },
      ],
      fallback: {},
    });
    client = new OpenAI({ baseURL: ferry.url, apiKey: clientKey, maxRetries: 0 });
  });
  after(async () => {
    await ferry.close();
    await chained.close();
    await claude.close();
    await openai.close();
  });

  it('sends a Messages request with x-api-key and anthropic-version, never the client key', async () => {
    await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, max_tokens: 100 });
    const recorded = claude.requests.at(-1);
    assert.equal(recorded?.path, '/v1/messages');
    assert.equal(recorded?.headers['x-api-key'], upstreamKey);
    assert.equal(recorded?.headers['anthropic-version'], '2023-06-01');
    assert.equal(recorded?.headers.authorization, undefined);
    assert.doesNotMatch(JSON.stringify(recorded?.headers), new RegExp(clientKey));
    assert.deepEqual(recorded?.json, {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be kind.',
      messages: [{ role: 'user', content: 'Say hi' }],
    });
  });

  it('answers a chat completion with the content, finish reason and usage', async () => {
    const completion = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0]?.message.content, 'Hello, 世界');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    // ceil((8 + 6) / 4) = 4 input tokens at the mock, 3 output tokens (one per piece).
    assert.equal(completion.usage?.prompt_tokens, 4);
    assert.equal(completion.usage?.completion_tokens, 3);
    assert.equal(usages.at(-1)?.promptTokens, 4);
  });

  it('streams chunks, without a usage chunk the client did not ask for, yet accounts the usage', async () => {
    const before = usages.length;
    let content = '';
    const chunks = [];
    for await (const chunk of await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages,
      stream: true,
    })) {
      chunks.push(chunk);
      content += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(content, 'Hello, 世界');
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
    assert.ok(chunks.every((chunk) => chunk.usage === undefined || chunk.usage === null));
    assert.equal(usages.length, before + 1);
    assert.deepEqual(usages.at(-1), {
      promptTokens: 4,
      completionTokens: 3,
      totalTokens: 7,
      cachedPromptTokens: 0,
      source: 'upstream',
    });
  });

  it('streams the usage chunk when the client asked for it', async () => {
    const chunks = [];
    for await (const chunk of await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })) {
      chunks.push(chunk);
    }
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.equal(last?.usage?.completion_tokens, 3);
  });

  it('counts cache reads and writes into prompt_tokens; cached_tokens is the reads only', async () => {
    const headers = { 'x-mock-anthropic': 'cache-read=100,cache-write=20' };
    const completion = await client.chat.completions.create(
      { model: 'claude-sonnet-4-5', messages },
      { headers },
    );
    assert.equal(completion.usage?.prompt_tokens, 124);
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 100);
    assert.equal(completion.usage?.total_tokens, 127);
  });

  it('takes input tokens from message_delta when a provider sends them only there (cumulative, not summed)', async () => {
    const chunks = [];
    for await (const chunk of await client.chat.completions.create(
      { model: 'claude-sonnet-4-5', messages, stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-mock-anthropic': 'cache-read=10,input-in-delta' } },
    )) {
      chunks.push(chunk);
    }
    const usage = chunks.at(-1)?.usage;
    assert.equal(usage?.prompt_tokens, 14);
    assert.equal(usage?.completion_tokens, 3);
    assert.equal(usage?.prompt_tokens_details?.cached_tokens, 10);
  });

  it('maps tool use both ways: tools, tool_choice, the call with its id, finish reason tool_calls', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages,
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const sent = claude.requests.at(-1)?.json as Record<string, unknown>;
    assert.deepEqual(sent.tool_choice, { type: 'tool', name: 'get_weather' });
    assert.deepEqual(sent.tools, [{ name: 'get_weather', input_schema: weather.function.parameters }]);
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    const call = choice?.message.tool_calls?.[0];
    assert.match(call?.id ?? '', /^toolu_mock_\d+$/);
    assert.equal(call?.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call?.function.arguments ?? ''), { text: 'Hello, 世界' });
  });

  it('streams a tool call: id and name in the first delta, arguments in pieces, never a plain stop', async () => {
    const stream = client.beta.chat.completions.stream({
      model: 'claude-sonnet-4-5',
      messages,
      tools: [weather],
      tool_choice: 'required',
    });
    const completion = await stream.finalChatCompletion();
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.equal(choice?.message.tool_calls?.length, 1);
    assert.deepEqual(JSON.parse(choice?.message.tool_calls?.[0]?.function.arguments ?? ''), {
      text: 'Hello, 世界',
    });
  });

  it('sends the tool results of a turn back as tool_result blocks with their ids', async () => {
    await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: chatToolTurn,
      tools: [weather],
    });
    const sent = (claude.requests.at(-1)!.json as { messages: unknown[] }).messages;
    assert.deepEqual(sent, anthropicToolTurn);
  });

  it('maps Anthropic errors to OpenAI errors: 529 overloaded becomes 503, 400 stays 400', async () => {
    const overloaded = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages }, { headers: { 'x-mock-fault': 'status=529' } })
      .catch((error: unknown) => error);
    assert.ok(overloaded instanceof APIError);
    assert.equal(overloaded.status, 503);
    assert.equal((overloaded.error as { code?: string }).code, 'overloaded_error');
    assert.equal((overloaded.error as { type?: string }).type, 'server_error');

    const invalid = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${clientKey}`, 'x-mock-fault': 'status=400' },
      body: { model: 'claude-sonnet-4-5', messages },
    });
    assert.equal(invalid.status, 400);
    const error = (invalid.json as { error: Record<string, unknown> }).error;
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'invalid_request_error');
    assert.equal(typeof error.message, 'string');
  });

  it('refuses what cannot be converted with a 400 naming the parameter', async () => {
    const many = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${clientKey}` },
      body: { model: 'claude-sonnet-4-5', messages, n: 2 },
    });
    assert.equal(many.status, 400);
    assert.equal((many.json as { error: { param: string } }).error.param, 'n');
    const embeddings = await send(`${ferry.url}/embeddings`, {
      headers: { authorization: `Bearer ${clientKey}` },
      body: { model: 'claude-sonnet-4-5', input: 'hi' },
    });
    assert.equal(embeddings.status, 400);
    assert.equal((embeddings.json as { error: { code: string } }).error.code, 'upstream_format_unsupported');
  });

  it('ends a cut Anthropic stream with an error event and an abort, never a clean end', async () => {
    const stream = await client.chat.completions.create(
      { model: 'claude-sonnet-4-5', messages, stream: true },
      { headers: { 'x-mock-fault': 'end-after=4' } },
    );
    let content = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    });
    assert.notEqual(content, 'Hello, 世界');
  });

  it('falls back across providers: Anthropic overloaded, then the OpenAI upstream serves', async () => {
    const fallbackClient = new OpenAI({ baseURL: chained.url, apiKey: clientKey, maxRetries: 0 });
    const response = await fallbackClient.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages })
      .withResponse();
    assert.equal(response.data.choices[0]?.message.content, 'from openai');
    assert.equal(response.response.headers.get('x-ferry-upstream'), 'openai');
    assert.match(response.response.headers.get('x-ferry-fallback') ?? '', /^claude:/);
    // The OpenAI upstream got the chat body, not the Messages body sent to Claude.
    const sent = openai.requests.at(-1);
    assert.equal(sent?.path, '/v1/chat/completions');
    assert.deepEqual((sent!.json as { messages: unknown }).messages, messages);
  });
});
