import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import { parseSseText } from '../../formats/sse-message.js';
import { type GatewayServer, send, startGatewayServer } from '../../testing/index.js';
import type { Usage } from '../../types.js';

const messages = [{ role: 'user', content: 'hi' }];
/** An answer with its per-request parts (`id`, `created`) blanked, to compare two answers. */
const stable = (value: unknown) =>
  JSON.parse(
    JSON.stringify(value)
      .replace(/chatcmpl-mock-\d+/g, 'ID')
      .replace(/"created(_at)?":\d+/g, '"created":0')
      .replace(/(resp|msg)_mock_\d+/g, 'ID')
      .replace(/call_mock_\d+/g, 'CALL'),
  );

describe('stream ⇄ JSON conversion', () => {
  let mock: MockUpstream;
  let claude: MockUpstream;
  let aggregating: GatewayServer;
  let streaming: GatewayServer;
  let direct: GatewayServer;
  const usages: Usage[] = [];
  before(async () => {
    mock = await startMockUpstream({ content: 'A secret answer, 你好😀', chunks: 4 });
    claude = await startMockUpstream({ content: 'From Claude', chunks: 3 });
    aggregating = await startGatewayServer({
      upstreams: [
        { name: 'openai', url: mock.url, local: true },
        { name: 'claude', type: 'anthropic', url: claude.url, local: true },
      ],
      // Claude models go to the Anthropic upstream.
      fallback: { models: { 'claude-sonnet-4-5': ['claude'] } },
      streamConversion: { streamUpstream: [{ models: ['gpt-5*'] }, { upstreams: ['claude'] }] },
      contentFilter: { words: ['secret'], response: 'mask' },
    });
    streaming = await startGatewayServer({
      upstream: { url: mock.url, local: true },
      streamConversion: { jsonUpstream: true },
      contentFilter: { words: ['secret'], response: 'mask' },
      onUsage: (usage) => usages.push(usage),
    });
    direct = await startGatewayServer({ upstream: { url: mock.url, local: true } });
  });
  after(async () => {
    await aggregating.close();
    await streaming.close();
    await direct.close();
    await mock.close();
    await claude.close();
  });

  describe('a stream upstream, a JSON answer', () => {
    it("asks for a stream with include_usage and answers what the upstream's JSON answer means", async () => {
      const answer = await send(`${aggregating.url}/chat/completions`, {
        body: { model: 'gpt-5-mini', messages },
      });
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      const sent = mock.requests.at(-1)?.json as Record<string, unknown>;
      assert.equal(sent.stream, true);
      assert.deepEqual(sent.stream_options, { include_usage: true });
      const plain = await send(`${direct.url}/chat/completions`, { body: { model: 'gpt-5-mini', messages } });
      const expected = stable(plain.json);
      // The filter masked the aggregated answer as it masks a JSON answer.
      expected.choices[0].message.content = 'A ****** answer, 你好😀';
      assert.deepEqual(stable(answer.json), expected);
    });

    it('leaves other models alone, unless the request asks with x-ferry-upstream-stream', async () => {
      const body = { model: 'gpt-4o-mini', messages };
      await send(`${aggregating.url}/chat/completions`, { body });
      assert.equal(mock.requests.at(-1)?.body.toString(), JSON.stringify(body));
      const asked = await send(`${aggregating.url}/chat/completions`, {
        headers: { 'x-ferry-upstream-stream': 'true' },
        body,
      });
      const recorded = mock.requests.at(-1);
      assert.equal((recorded!.json as { stream: boolean }).stream, true);
      assert.equal(recorded?.headers['x-ferry-upstream-stream'], undefined);
      assert.equal((asked.json as { object: string }).object, 'chat.completion');
    });

    it('aggregates tool calls: id and name from the first delta, arguments joined, finish tool_calls', async () => {
      const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
      const answer = await send(`${aggregating.url}/chat/completions`, {
        body: { model: 'gpt-5', messages, tools, tool_choice: 'required' },
      });
      const plain = await send(`${direct.url}/chat/completions`, {
        body: { model: 'gpt-5', messages, tools, tool_choice: 'required' },
      });
      assert.equal((mock.requests.at(-2)!.json as { stream: boolean }).stream, true);
      assert.deepEqual(stable(answer.json), stable(plain.json));
    });

    it('answers a stream that ended without [DONE] with a 502, never a truncated success', async () => {
      const answer = await send(`${aggregating.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'end-after=3' },
        body: { model: 'gpt-5', messages },
      });
      assert.equal(answer.status, 502);
      assert.equal((answer.json as { error: { code: string } }).error.code, 'upstream_stream_incomplete');
      assert.doesNotMatch(answer.text, /secret|\*\*\*|"choices"/);
    });

    it('answers a stream cut by the upstream with a 502 upstream_stream_error', async () => {
      const answer = await send(`${aggregating.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'reset-after=2' },
        body: { model: 'gpt-5', messages },
      });
      assert.equal(answer.status, 502);
      assert.equal((answer.json as { error: { code: string } }).error.code, 'upstream_stream_error');
    });

    it('aggregates a Responses API stream into the response object', async () => {
      const body = { model: 'gpt-5', input: 'hi' };
      const answer = await send(`${aggregating.url}/responses`, { body });
      assert.equal((mock.requests.at(-1)!.json as { stream: boolean }).stream, true);
      const plain = await send(`${direct.url}/responses`, { body });
      const expected = stable(plain.json);
      expected.output[0].content[0].text = 'A ****** answer, 你好😀';
      assert.deepEqual(stable(answer.json), expected);
    });

    it('composes with an Anthropic upstream: its Messages stream becomes one chat completion', async () => {
      const client = new OpenAI({ baseURL: aggregating.url, apiKey: 'none', maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'hi' }],
      });
      const sent = claude.requests.at(-1);
      assert.equal(sent?.path, '/v1/messages');
      assert.equal((sent!.json as { stream: boolean }).stream, true);
      assert.equal(completion.choices[0]?.message.content, 'From Claude');
      assert.equal(completion.usage?.completion_tokens, 3);
    });
  });

  describe('a JSON upstream, a stream answer', () => {
    it('asks for JSON and streams role, content, finish and [DONE], with no usage chunk unasked', async () => {
      const answer = await send(`${streaming.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages, stream: true },
      });
      assert.match(String(answer.headers['content-type']), /^text\/event-stream/);
      const sent = mock.requests.at(-1)?.json as Record<string, unknown>;
      assert.equal(sent.stream, false);
      const events = await parseSseText(answer.text);
      assert.equal(events.at(-1)?.data, '[DONE]');
      const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
      assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
      assert.equal(
        chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
        'A ****** answer, 你好😀',
      );
      assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
      assert.ok(chunks.every((chunk) => chunk.usage === undefined));
      // Accounting still has the upstream's usage.
      assert.equal(usages.at(-1)?.source, 'upstream');
      assert.equal(usages.at(-1)?.completionTokens, 4);
    });

    it('adds the usage chunk before [DONE] when the client asked, without sending stream_options upstream', async () => {
      const client = new OpenAI({ baseURL: streaming.url, apiKey: 'none', maxRetries: 0 });
      const chunks = [];
      for await (const chunk of await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      })) {
        chunks.push(chunk);
      }
      const sent = mock.requests.at(-1)?.json as Record<string, unknown>;
      assert.equal(sent.stream_options, undefined);
      assert.deepEqual(chunks.at(-1)?.choices, []);
      assert.equal(chunks.at(-1)?.usage?.completion_tokens, 4);
      assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    });

    it('streams a tool call from a JSON answer with its id, name and arguments', async () => {
      const client = new OpenAI({ baseURL: streaming.url, apiKey: 'none', maxRetries: 0 });
      const completion = await client.beta.chat.completions
        .stream({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
          tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
          tool_choice: 'required',
        })
        .finalChatCompletion();
      const call = completion.choices[0]?.message.tool_calls?.[0];
      assert.match(call?.id ?? '', /^call_mock_\d+$/);
      assert.equal(call?.function.name, 'lookup');
      assert.deepEqual(JSON.parse(call?.function.arguments ?? ''), { text: 'A secret answer, 你好😀' });
      assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    });

    it('streams the Responses API events from a response object', async () => {
      const answer = await send(`${streaming.url}/responses`, {
        body: { model: 'gpt-4o', input: 'hi', stream: true },
      });
      assert.equal((mock.requests.at(-1)!.json as { stream: boolean }).stream, false);
      const events = await parseSseText(answer.text);
      assert.equal(events[0]?.event, 'response.created');
      assert.equal(events.at(-1)?.event, 'response.completed');
      const text = events
        .filter((event) => event.event === 'response.output_text.delta')
        .map((event) => JSON.parse(event.data).delta)
        .join('');
      assert.equal(text, 'A ****** answer, 你好😀');
    });

    it('passes an upstream error through as the JSON error it is', async () => {
      const answer = await send(`${streaming.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'status=400' },
        body: { model: 'gpt-4o-mini', messages, stream: true },
      });
      assert.equal(answer.status, 400);
      assert.equal(typeof (answer.json as { error: { message: string } }).error.message, 'string');
    });
  });
});
