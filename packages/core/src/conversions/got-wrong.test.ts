import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import { type GatewayServer, startGatewayServer } from '../testing/index.js';

// What other gateways' trackers show going wrong in the Anthropic ⇄ OpenAI mapping, each driven
// through a running gateway with the official SDKs (the conversion-level tests are in formats/).
const messages = [{ role: 'user' as const, content: 'hi' }];
const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
};

describe('the mapping details other gateways got wrong, through the gateway', () => {
  let claude: MockUpstream;
  let openaiMock: MockUpstream;
  let toClaude: GatewayServer;
  let fromAnthropic: GatewayServer;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    claude = await startMockUpstream({ content: 'Hi', chunks: 2 });
    openaiMock = await startMockUpstream({ content: 'Hi', chunks: 2 });
    toClaude = await startGatewayServer({
      upstreams: [{ name: 'claude', type: 'anthropic', url: claude.url, local: true }],
    });
    fromAnthropic = await startGatewayServer({ upstream: { url: openaiMock.url, local: true } });
    openai = new OpenAI({ baseURL: toClaude.url, apiKey: 'none', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: fromAnthropic.origin, apiKey: 'none', maxRetries: 0 });
  });
  after(async () => {
    await toClaude.close();
    await fromAnthropic.close();
    await claude.close();
    await openaiMock.close();
  });

  const knob = (value: string) => ({ headers: { 'x-mock-anthropic': value } });
  const streamUsage = async (value: string) => {
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of await openai.chat.completions.create(
      { model: 'claude-sonnet-4-5', messages, stream: true, stream_options: { include_usage: true } },
      knob(value),
    )) {
      usage = chunk.usage ?? usage;
    }
    return usage;
  };

  it("usage: Anthropic's input_tokens excludes cache reads and writes, prompt_tokens includes them", async () => {
    const completion = await openai.chat.completions.create(
      { model: 'claude-sonnet-4-5', messages },
      knob('cache-read=300,cache-write=50'),
    );
    // 1 input token at the mock (ceil(2 / 4)) + 300 read + 50 written.
    assert.equal(completion.usage?.prompt_tokens, 351);
  });

  it('usage: cached_tokens is the cache reads only, streamed and not', async () => {
    const completion = await openai.chat.completions.create(
      { model: 'claude-sonnet-4-5', messages },
      knob('cache-read=300,cache-write=50'),
    );
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 300);
    assert.equal(
      (await streamUsage('cache-read=300,cache-write=50'))?.prompt_tokens_details?.cached_tokens,
      300,
    );
  });

  it('usage: message_delta.usage is cumulative, never summed with message_start', async () => {
    // message_start says output_tokens 1, message_delta 2 (the total): 2, not 3.
    assert.equal((await streamUsage(''))?.completion_tokens, 2);
  });

  it('usage: input tokens sent only in message_delta are counted', async () => {
    const usage = await streamUsage('input-in-delta');
    assert.equal(usage?.prompt_tokens, 1);
    assert.equal(usage?.total_tokens, 3);
  });

  const stops: Array<[string, string]> = [
    ['end_turn', 'stop'],
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool_calls'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
  ];
  for (const [stop, finish] of stops) {
    it(`stop reason ${stop} → finish_reason ${finish}, streamed and not`, async () => {
      const completion = await openai.chat.completions.create(
        { model: 'claude-sonnet-4-5', messages },
        knob(`stop=${stop}`),
      );
      assert.equal(completion.choices[0]?.finish_reason, finish);
      let streamed: string | null | undefined;
      for await (const chunk of await openai.chat.completions.create(
        { model: 'claude-sonnet-4-5', messages, stream: true },
        knob(`stop=${stop}`),
      )) {
        streamed = chunk.choices[0]?.finish_reason ?? streamed;
      }
      assert.equal(streamed, finish);
    });
  }

  for (const stop of ['end_turn', 'pause_turn', 'stop_sequence']) {
    it(`pending tool calls are never dropped as a plain stop (${stop} with a tool_use block)`, async () => {
      const completion = await openai.chat.completions.create(
        { model: 'claude-sonnet-4-5', messages, tools: [weather], tool_choice: 'required' },
        knob(`stop=${stop}`),
      );
      assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
      assert.equal(completion.choices[0]?.message.tool_calls?.length, 1);
    });
  }

  it('tool ids are kept both ways, and the OpenAI tool_calls finish becomes tool_use', async () => {
    const message = await anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 10,
      messages,
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any' },
    });
    assert.equal(message.stop_reason, 'tool_use');
    const block = message.content[0] as { id: string };
    assert.match(block.id, /^call_mock_\d+$/);
  });

  it('system prompts, images and tool_choice reach an OpenAI upstream in its shape', async () => {
    await anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 10,
      system: [
        { type: 'text', text: 'Rule one.' },
        { type: 'text', text: 'Rule two.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      tool_choice: { type: 'none' },
    });
    const sent = openaiMock.requests.at(-1)!.json as Record<string, unknown>;
    assert.deepEqual((sent.messages as unknown[])[0], {
      role: 'system',
      content: [
        { type: 'text', text: 'Rule one.' },
        { type: 'text', text: 'Rule two.' },
      ],
    });
    assert.deepEqual((sent.messages as unknown[])[1], {
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'text', text: 'What is this?' },
      ],
    });
    assert.equal(sent.tool_choice, 'none');
  });

  it("errors map to each side's shape and status", async () => {
    const toOpenAI = await openai.chat.completions
      .create({ model: 'claude-sonnet-4-5', messages }, { headers: { 'x-mock-fault': 'status=429' } })
      .catch((error: unknown) => error);
    assert.ok(toOpenAI instanceof OpenAI.RateLimitError);
    assert.equal((toOpenAI.error as { type: string }).type, 'rate_limit_error');
    const toAnthropic = await anthropic.messages
      .create(
        { model: 'gpt-4o-mini', max_tokens: 10, messages },
        { headers: { 'x-mock-fault': 'status=500' } },
      )
      .catch((error: unknown) => error);
    assert.ok(toAnthropic instanceof Anthropic.InternalServerError);
    assert.equal((toAnthropic.error as { error: { type: string } }).error.type, 'api_error');
  });
});
