import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type RecordedSocket, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI, { APIError } from 'openai';
import { WebSocketServer } from 'ws';
import type { GatewayEventMap } from '../events/gateway-events.js';
import {
  eventually,
  type GatewayServer,
  type GatewayWithMock,
  send,
  startGatewayServer,
  startGatewayWithMock,
} from '../testing/index.js';

const clientKey = 'sk-ferry-client';
const upstreamKey = 'sk-upstream-realtime';
const content = 'Realtime says hello, 你好！';

/** The client frames a recorded upstream socket received, by type. */
const framesOf = (socket: RecordedSocket) => socket.received as Array<Record<string, unknown>>;

describe('Chat Completions over a realtime-only model', () => {
  let ferry: GatewayWithMock;
  let client: OpenAI;
  const ends: GatewayEventMap['request:end'][] = [];
  before(async () => {
    ferry = await startGatewayWithMock(
      {
        clientKeys: [clientKey],
        upstream: { apiKey: upstreamKey, realtimeModels: ['gpt-realtime'] },
        contentFilter: { words: ['forbidden'], request: 'off', response: 'mask' },
      },
      { apiKey: upstreamKey, content, chunks: 4 },
    );
    ferry.gateway.events.on('request:end', (event) => ends.push(event));
    client = new OpenAI({ baseURL: ferry.url, apiKey: clientKey, maxRetries: 0 });
  });
  after(() => ferry.close());

  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hello there' },
    { role: 'assistant', content: 'Hi!' },
    { role: 'user', content: [{ type: 'text', text: 'And again?' }] },
  ];
  // The mock counts ceil(characters / 4) input tokens: 9 + 11 + 3 + 10 = 33 characters.
  const promptTokens = Math.ceil(33 / 4);

  it('answers a non-stream request with an ordinary chat completion and the session usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-realtime',
      messages,
      max_tokens: 50,
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-realtime');
    assert.match(completion.id, /^chatcmpl-resp_mock_/);
    assert.equal(completion.choices[0]?.message.content, content);
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage, {
      prompt_tokens: promptTokens,
      completion_tokens: 4,
      total_tokens: promptTokens + 4,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    const socket = ferry.mock.sockets.at(-1) as RecordedSocket;
    assert.equal(socket.path, '/v1/realtime?model=gpt-realtime');
    // The upstream key is injected; the client's key and any beta header never travel.
    assert.equal(socket.headers.authorization, `Bearer ${upstreamKey}`);
    assert.equal(socket.headers['openai-beta'], undefined);
    const frames = framesOf(socket);
    assert.deepEqual(frames[0], {
      type: 'session.update',
      session: { type: 'realtime', output_modalities: ['text'] },
    });
    assert.deepEqual(
      frames.slice(1, 5).map((frame) => frame.item),
      [
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Be brief.' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello there' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi!' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And again?' }] },
      ],
    );
    assert.deepEqual(frames[5], {
      type: 'response.create',
      response: { output_modalities: ['text'], max_output_tokens: 50 },
    });
    // The session is closed once the answer is complete.
    assert.equal((await socket.closed).code, 1000);
    // Nothing went over HTTP.
    assert.equal(ferry.mock.requests.length, 0);
  });

  it('streams the answer as chat chunks, with the usage chunk only when asked, and accounts it either way', async () => {
    ends.length = 0;
    let streamed = '';
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({
      model: 'gpt-realtime',
      messages,
      stream: true,
    })) {
      chunks.push(chunk);
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(streamed, content);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
    assert.ok(chunks.every((chunk) => chunk.usage === undefined || chunk.usage === null));
    await eventually(async () => ends.length === 1);
    assert.deepEqual(ends[0]?.usage, {
      promptTokens,
      completionTokens: 4,
      totalTokens: promptTokens + 4,
      cachedPromptTokens: 0,
      source: 'upstream',
    });
    assert.equal(ends[0]?.context.record.upstreamTransport, 'realtime');

    const withUsage: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({
      model: 'gpt-realtime',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })) {
      withUsage.push(chunk);
    }
    assert.deepEqual(withUsage.at(-1)?.choices, []);
    assert.equal(withUsage.at(-1)?.usage?.prompt_tokens, promptTokens);
    assert.equal(withUsage.at(-1)?.usage?.completion_tokens, 4);
  });

  it('sends other models over HTTP as before', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.equal(completion.choices[0]?.message.content, content);
    assert.equal(ferry.mock.requests.at(-1)?.path, '/v1/chat/completions');
  });

  it('applies the content filter to the answer', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: {
        authorization: `Bearer ${clientKey}`,
        'x-mock-content': encodeURIComponent('a forbidden word'),
      },
      body: { model: 'gpt-realtime', messages },
    });
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.text).choices[0].message.content, 'a ********* word');
  });

  it('refuses what a realtime session cannot answer before opening one', async () => {
    const before = ferry.mock.sockets.length;
    for (const extra of [
      { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] },
      { n: 2 },
      { stop: ['END'] },
      { response_format: { type: 'json_object' } },
    ]) {
      const error = await client.chat.completions
        .create({
          model: 'gpt-realtime',
          messages,
          ...extra,
        } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof APIError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'unsupported_content');
      assert.equal(error.param, Object.keys(extra)[0]);
    }
    const toolMessage = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${clientKey}` },
      body: {
        model: 'gpt-realtime',
        messages: [...messages, { role: 'tool', tool_call_id: 'c1', content: 'x' }],
      },
    });
    assert.equal(toolMessage.status, 400);
    assert.equal(JSON.parse(toolMessage.text).error.param, 'messages[4].role');
    assert.equal(ferry.mock.sockets.length, before);
  });

  it('relays an upgrade refused with a status as that status', async () => {
    const error = await client.chat.completions
      .create(
        { model: 'gpt-realtime', messages },
        { headers: { 'x-mock-fault': 'status=429;retry-after=7' } },
      )
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof APIError);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.headers?.['retry-after'], '7');
  });

  it('maps a session closed before any text to 502 and one cut mid-stream to an error event', async () => {
    const early = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${clientKey}`, 'x-mock-fault': 'reset-after=2' },
      body: { model: 'gpt-realtime', messages },
    });
    assert.equal(early.status, 502);
    assert.equal(JSON.parse(early.text).error.code, 'upstream_connection_reset');
    assert.doesNotMatch(early.text, new RegExp(upstreamKey));

    const stream = await client.chat.completions.create(
      { model: 'gpt-realtime', messages, stream: true },
      { headers: { 'x-mock-fault': 'reset-after=7;close-code=1011' } },
    );
    let streamed = '';
    const failure = await (async () => {
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    assert.ok(failure instanceof Error);
    assert.match(failure.message, /closed the session mid-response/);
    assert.ok(streamed.length > 0 && streamed.length < content.length);
  });

  it('closes the upstream session at once when the client goes away', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-realtime', messages, stream: true },
      { headers: { 'x-mock-chunk-interval-ms': '200' }, signal: controller.signal },
    );
    const socket = ferry.mock.sockets.at(-1) as RecordedSocket;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    const leftAt = performance.now();
    controller.abort();
    const closed = await socket.closed;
    assert.ok(
      closed.at - leftAt < 150,
      `the upstream session closed ${closed.at - leftAt} ms after the client left`,
    );
  });
});

describe('Chat Completions over a realtime-only model: timeouts', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({
      firstByteTimeoutMs: 200,
      idleTimeoutMs: 200,
      upstream: { realtimeModels: ['gpt-realtime'] },
    });
  });
  after(() => ferry.close());

  const ask = (fault: string) =>
    send(`${ferry.url}/chat/completions`, {
      headers: { 'x-mock-fault': fault },
      body: { model: 'gpt-realtime', messages: [{ role: 'user', content: 'Hi' }] },
    });

  it('answers 504 upstream_timeout when the upgrade or the first text does not come in time', async () => {
    for (const fault of ['stall-before-headers', 'stall-after=1']) {
      const answer = await ask(fault);
      assert.equal(answer.status, 504, fault);
      assert.equal(JSON.parse(answer.text).error.code, 'upstream_timeout', fault);
    }
  });

  it('reports each failed session as one attempt with its error', async () => {
    const attempts: GatewayEventMap['attempt'][] = [];
    ferry.gateway.events.on('attempt', (event) => attempts.push(event));
    await ask('stall-after=1');
    await eventually(async () => attempts.length === 1);
    assert.equal(attempts[0]?.status, undefined);
    assert.equal(attempts[0]?.error?.code, 'upstream_timeout');
  });

  it('answers 504 upstream_idle_timeout when the session goes silent mid-answer', async () => {
    const answer = await ask('stall-after=6');
    assert.equal(answer.status, 504);
    assert.equal(JSON.parse(answer.text).error.code, 'upstream_idle_timeout');
  });
});

describe('Chat Completions over a realtime-only model: egress', () => {
  it('reaches the upstream through its address map, and the private-address guard still applies', async () => {
    const mock = await startMockUpstream({ content: 'mapped' });
    const name = 'realtime.mock.test';
    const url = `http://${name}:${mock.port}/v1`;
    const addresses = { [name]: ['127.0.0.1'] };
    const mapped = await startGatewayServer({
      upstreams: [
        { name: 'mapped', url, local: true, addresses, realtimeModels: ['gpt-realtime'] },
        { name: 'guarded', url, addresses, realtimeModels: ['gpt-realtime-guarded'] },
      ],
      fallback: { models: { 'gpt-realtime-guarded': ['guarded'] } },
    });
    try {
      const body = { model: 'gpt-realtime', messages: [{ role: 'user', content: 'Hi' }] };
      const answer = await send(`${mapped.url}/chat/completions`, { body });
      assert.equal(answer.status, 200);
      assert.equal(JSON.parse(answer.text).choices[0].message.content, 'mapped');
      assert.equal((await mock.nextSocket()).headers.host, `${name}:${mock.port}`);
      const guarded = await send(`${mapped.url}/chat/completions`, {
        body: { ...body, model: 'gpt-realtime-guarded' },
      });
      assert.equal(guarded.status, 502);
      assert.equal(JSON.parse(guarded.text).error.code, 'upstream_address_refused');
    } finally {
      await mapped.close();
      await mock.close();
    }
  });
});

describe('Chat Completions over a realtime-only model: upstream error events', () => {
  // A scripted Realtime upstream: what it answers to response.create depends on the model.
  const scripts: Record<string, (send: (event: object) => void) => void> = {
    'rt-invalid': (send) =>
      send({
        type: 'error',
        error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Bad item.', param: 'item' },
      }),
    'rt-limited': (send) =>
      send({
        type: 'error',
        error: { type: 'invalid_request_error', code: 'rate_limit_exceeded', message: 'Slow down.' },
      }),
    'rt-failed': (send) =>
      send({
        type: 'response.done',
        response: {
          id: 'resp_1',
          status: 'failed',
          status_details: { error: { type: 'server_error', message: 'Boom.' } },
        },
      }),
    'rt-length': (send) => {
      send({ type: 'response.created', response: { id: 'resp_2' } });
      send({ type: 'response.output_text.delta', delta: 'Cut' });
      send({
        type: 'response.done',
        response: {
          id: 'resp_2',
          status: 'incomplete',
          status_details: { reason: 'max_output_tokens' },
          usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 },
        },
      });
    },
  };
  let server: WebSocketServer;
  let ferry: GatewayServer;
  before(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (socket, request) => {
      const model = new URL(request.url ?? '/', 'http://x').searchParams.get('model') ?? '';
      socket.on('message', (data) => {
        if (JSON.parse(data.toString()).type !== 'response.create') return;
        scripts[model]?.((event) => socket.send(JSON.stringify(event)));
      });
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    ferry = await startGatewayServer({
      upstream: { url: `http://127.0.0.1:${port}/v1`, local: true, realtimeModels: Object.keys(scripts) },
    });
  });
  after(async () => {
    await ferry.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const ask = (model: string, stream = false) =>
    send(`${ferry.url}/chat/completions`, {
      body: { model, stream, messages: [{ role: 'user', content: 'Hi' }] },
    });

  it('answers an error event before any text with the status of its type and the upstream error body', async () => {
    const invalid = await ask('rt-invalid');
    assert.equal(invalid.status, 400);
    assert.deepEqual(JSON.parse(invalid.text).error, {
      message: 'Bad item.',
      type: 'invalid_request_error',
      param: 'item',
      code: 'invalid_value',
    });
    assert.equal((await ask('rt-limited')).status, 429);
    const failed = await ask('rt-failed', true);
    assert.equal(failed.status, 500);
    assert.equal(JSON.parse(failed.text).error.message, 'Boom.');
  });

  it('finishes with length when the response stopped at max_output_tokens', async () => {
    const answer = JSON.parse((await ask('rt-length')).text);
    assert.equal(answer.choices[0].message.content, 'Cut');
    assert.equal(answer.choices[0].finish_reason, 'length');
    assert.equal(answer.usage.total_tokens, 4);
  });
});

describe('Chat Completions over a realtime-only model: the pipeline around it', () => {
  let ferry: GatewayWithMock;
  const ends: GatewayEventMap['request:end'][] = [];
  before(async () => {
    ferry = await startGatewayWithMock(
      {
        retry: { baseDelayMs: 1, maxDelayMs: 1 },
        limits: { key: 'ip', tokens: { limit: 10_000 } },
        upstream: { realtimeModels: ['gpt-realtime'] },
      },
      { chunks: 3 },
    );
    ferry.gateway.events.on('request:end', (event) => ends.push(event));
  });
  after(() => ferry.close());

  it('retries an upgrade refused with 503 on a new session', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { 'x-mock-fault': 'status=503;times=1' },
      body: { model: 'gpt-realtime', messages: [{ role: 'user', content: 'Hi' }] },
    });
    assert.equal(answer.status, 200);
    await eventually(async () => ends.length === 1);
    assert.equal(ends[0]?.context.record.attempts, 2);
    // Only the second upgrade was accepted.
    assert.equal(ferry.mock.sockets.length, 1);
  });

  it('settles the token limit against the usage of the session, stream or not', async () => {
    for (const stream of [false, true]) {
      ends.length = 0;
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: {
          model: 'gpt-realtime',
          stream,
          max_tokens: 100,
          messages: [{ role: 'user', content: 'Hello mock' }],
        },
      });
      assert.equal(answer.status, 200);
      await eventually(async () => ends.length === 1);
      // 'Hello mock': ceil(10 / 4) = 3 input tokens, 3 pieces out.
      assert.equal(ends[0]?.usage?.totalTokens, 6, `stream: ${stream}`);
      assert.equal(ends[0]?.usage?.source, 'upstream');
      assert.equal(ends[0]?.context.record.settledTokens, 6, `stream: ${stream}`);
    }
  });
});

describe('Chat Completions over a realtime-only model: a fallback chain mixing transports', () => {
  it('falls back from a realtime upstream that refuses the session to an HTTP upstream', async () => {
    const mock = await startMockUpstream({ content: 'served' });
    const ferry = await startGatewayServer({
      upstreams: [
        { name: 'rt', url: mock.url, local: true, realtimeModels: ['gpt-realtime'] },
        { name: 'http', url: mock.url, local: true, models: { 'gpt-realtime': 'gpt-4o-mini' } },
      ],
      fallback: { chain: ['rt', 'http'] },
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        // The first claim of this spec (the upgrade) fails; the HTTP request after it succeeds.
        headers: { 'x-mock-fault': 'status=503;times=1' },
        body: { model: 'gpt-realtime', messages: [{ role: 'user', content: 'Hi' }] },
      });
      assert.equal(answer.status, 200);
      assert.equal(JSON.parse(answer.text).choices[0].message.content, 'served');
      assert.equal(answer.headers['x-ferry-upstream'], 'http');
      assert.equal(answer.headers['x-ferry-fallback'], 'rt:503');
      assert.deepEqual(mock.requests.at(-1)?.json, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
      });
    } finally {
      await ferry.close();
      await mock.close();
    }
  });
});
