import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type GatewayWithMock, send, startGatewayWithMock } from '../testing/index.js';

// Words disguised with invisible characters, through a real gateway and the mock upstream:
// every path that masks gives one `*` per character the reader sees, and no invisible one.
const disguised = 'a bad\u200Dword, b\u200Ba\u200Bd\u200Bw\u200Bo\u200Br\u200Bd 和 违\u2060禁\uFEFF词。';
const masked = 'a *******, ******* 和 ***。';
const codePoints = Array.from(disguised).length;

describe('content filter: invisible characters inside a match', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({
      contentFilter: { words: ['badword', '违禁词'], request: 'mask', response: 'mask' },
    });
  });
  after(() => ferry.close());

  const client = (headers: Record<string, string> = {}) =>
    new OpenAI({
      baseURL: ferry.url,
      apiKey: 'unused',
      maxRetries: 0,
      defaultHeaders: { 'x-mock-content': encodeURIComponent(disguised), ...headers },
    });

  it('masks a request with one * per visible character', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: disguised }] },
    });
    assert.equal(answer.status, 200);
    const sent = ferry.mock.requests.at(-1)?.json as { messages: Array<{ content: string }> };
    assert.equal(sent.messages[0]?.content, masked);
  });

  it('masks whole chat and Responses answers the same way', async () => {
    const chat = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(chat.choices[0]?.message.content, masked);
    const response = await client().responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    assert.equal(response.output_text, masked);
  });

  it('masks a streamed chat answer the same way, however it is chunked', async () => {
    for (let chunks = 1; chunks <= codePoints; chunks++) {
      const fault: Record<string, string> = chunks % 3 === 0 ? { 'x-mock-fault': 'split=1' } : {};
      const stream = await client({ 'x-mock-chunks': String(chunks), ...fault }).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.equal(text, masked, `${chunks} chunks`);
    }
  });

  it('masks a streamed Responses answer and its response.completed the same way, however it is chunked', async () => {
    for (let chunks = 1; chunks <= codePoints; chunks += 2) {
      const stream = await client({ 'x-mock-chunks': String(chunks) }).responses.create({
        model: 'gpt-4o-mini',
        input: 'hi',
        stream: true,
      });
      let text = '';
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') completed = event.response;
      }
      assert.equal(text, masked, `${chunks} chunks`);
      const part = completed?.output[0]?.type === 'message' ? completed.output[0].content[0] : undefined;
      assert.equal(part?.type === 'output_text' ? part.text : undefined, masked);
    }
  });
});
