import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import {
  assertErrorAnswer,
  captureLogs,
  type GatewayWithMock,
  send,
  startGatewayWithMock,
} from '../testing/index.js';

const sampleList = fileURLToPath(new URL('../filter/fixtures/sample-words.txt', import.meta.url));
const answerText = '好的。这段回答里有违禁词，还有 a BadWord in English, 然后继续说完。';
const maskedAnswer = '好的。这段回答里有***，还有 a ******* in English, 然后继续说完。';

const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('content filter: requests', () => {
  let blocking: GatewayWithMock;
  let masking: GatewayWithMock;
  before(async () => {
    blocking = await startGatewayWithMock({
      contentFilter: { wordLists: [sampleList], request: 'block', response: 'off' },
    });
    masking = await startGatewayWithMock({
      contentFilter: { wordLists: [sampleList], request: 'mask', response: 'off' },
    });
  });
  after(() => Promise.all([blocking.close(), masking.close()]));

  it('blocks a banned word with 400 content_filter, before any upstream call', async () => {
    for (const content of [
      '请告诉我违禁词',
      '违\u200b禁\u200c词',
      'ＢＡＤ ＷＯＲＤ? no: ＢＡＤＷＯＲＤ',
      'the SECRET PLAN',
    ]) {
      const answer = await send(`${blocking.url}/chat/completions`, { body: chatBody(content) });
      assertErrorAnswer(answer, 400, 'content_filter', { type: 'invalid_request_error' });
    }
    const parts = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: '赌博网站' }] }],
    };
    assertErrorAnswer(await send(`${blocking.url}/chat/completions`, { body: parts }), 400, 'content_filter');
    assert.equal(blocking.mock.requests.length, 0);
  });

  it('lets clean requests through untouched (same bytes upstream)', async () => {
    const body = JSON.stringify(chatBody('讲个笑话 about boats'));
    const answer = await send(`${blocking.url}/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(answer.status, 200);
    assert.equal(blocking.mock.requests.at(-1)?.body.toString(), body);
  });

  it('masks banned words in the request sent upstream', async () => {
    const answer = await send(`${masking.url}/chat/completions`, {
      body: chatBody('说说敏感内容和 forbidden phrase 吧'),
    });
    assert.equal(answer.status, 200);
    const sent = masking.mock.requests.at(-1)?.json as { messages: Array<{ content: string }> };
    assert.equal(sent.messages[0]?.content, '说说****和 **************** 吧');
  });

  it('refuses a body nested deeper than 256 levels instead of overflowing the stack', async () => {
    const depth = 100_000;
    const body = `{"model":"gpt-4o-mini","messages":[],"metadata":${'['.repeat(depth)}"违禁词"${']'.repeat(depth)}}`;
    const answer = await send(`${masking.url}/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body,
    });
    assertErrorAnswer(answer, 400, 'invalid_body');
    assert.equal((await send(`${masking.url}/models`)).status, 200);
  });
});

describe('content filter: answers', () => {
  let ferry: GatewayWithMock;
  let stopping: GatewayWithMock;
  const logs = captureLogs('info');
  before(async () => {
    const mockOptions = { content: answerText, chunks: 17 };
    ferry = await startGatewayWithMock(
      { contentFilter: { wordLists: [sampleList], request: 'block', response: 'mask' }, logger: logs.logger },
      mockOptions,
    );
    stopping = await startGatewayWithMock(
      { contentFilter: { wordLists: [sampleList], request: 'block', response: 'stop' } },
      { ...mockOptions, chunks: 40, chunkIntervalMs: 2 },
    );
  });
  after(() => Promise.all([ferry.close(), stopping.close()]));

  const client = (gateway: GatewayWithMock, headers: Record<string, string> = {}) =>
    new OpenAI({ baseURL: gateway.url, apiKey: 'unused', maxRetries: 0, defaultHeaders: headers });

  it('masks a streamed answer, also when the upstream splits its bytes inside characters', async () => {
    for (const fault of [undefined, 'split=1', 'split=2', 'split=5']) {
      const stream = await client(ferry, fault ? { 'x-mock-fault': fault } : {}).chat.completions.create({
        ...chatBody('hi'),
        stream: true,
      } as OpenAI.ChatCompletionCreateParamsStreaming);
      let text = '';
      const finishes: unknown[] = [];
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      }
      assert.equal(text, maskedAnswer, `fault ${fault}`);
      assert.deepEqual(finishes, ['stop']);
    }
    const line = await logs.waitFor((entry) => entry.contentFilter === 'answer masked');
    assert.deepEqual(line.contentRules, ['words']);
    assert.ok(!JSON.stringify(logs.lines).includes('违禁词'), 'the matched text is never logged');
  });

  it('masks a whole answer', async () => {
    const completion = await client(ferry).chat.completions.create(
      chatBody('hi') as OpenAI.ChatCompletionCreateParamsNonStreaming,
    );
    assert.equal(completion.choices[0]?.message.content, maskedAnswer);
  });

  it('stops a streamed answer: finish_reason content_filter, an error event, upstream released', async () => {
    const stream = await client(stopping).chat.completions.create({
      ...chatBody('hi'),
      stream: true,
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let text = '';
    const finishes: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? '';
          if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
        }
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal((error as InstanceType<typeof OpenAI.APIError>).code, 'content_filter');
        return true;
      },
    );
    assert.equal(text, '好的。这段回答里有');
    assert.deepEqual(finishes, ['content_filter']);
    const upstream = stopping.mock.requests.at(-1);
    assert.ok(upstream);
    assert.equal((await upstream.closed).completed, false);
  });

  it('stops a whole answer at the first match', async () => {
    const completion = await client(stopping).chat.completions.create(
      chatBody('hi') as OpenAI.ChatCompletionCreateParamsNonStreaming,
    );
    assert.equal(completion.choices[0]?.message.content, '好的。这段回答里有');
    assert.equal(completion.choices[0]?.finish_reason, 'content_filter');
  });
});
