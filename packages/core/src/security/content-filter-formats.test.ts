import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { type GatewayWithMock, send, startGatewayWithMock } from '../testing/index.js';

// The Responses API and legacy completions through a real gateway and the mock upstream.
const sampleList = fileURLToPath(new URL('../filter/fixtures/sample-words.txt', import.meta.url));
const answerText = '好的。这段回答里有违禁词，还有 a BadWord in English, 然后继续说完。';
const maskedAnswer = '好的。这段回答里有***，还有 a ******* in English, 然后继续说完。';
const stoppedAnswer = '好的。这段回答里有';
const faults = [undefined, 'split=1', 'split=2', 'split=5'];

const client = (gateway: GatewayWithMock, fault?: string) =>
  new OpenAI({
    baseURL: gateway.url,
    apiKey: 'unused',
    maxRetries: 0,
    defaultHeaders: {
      'x-mock-content': encodeURIComponent(answerText),
      ...(fault === undefined ? {} : { 'x-mock-fault': fault }),
    },
  });

const isContentFilterError = (error: unknown) => {
  assert.ok(error instanceof OpenAI.APIError, String(error));
  assert.equal(error.code, 'content_filter');
  return true;
};

describe('content filter: Responses API and completions answers', () => {
  let masking: GatewayWithMock;
  let stopping: GatewayWithMock;
  before(async () => {
    masking = await startGatewayWithMock(
      { contentFilter: { wordLists: [sampleList], request: 'block', response: 'mask' } },
      { chunks: 17 },
    );
    stopping = await startGatewayWithMock(
      { contentFilter: { wordLists: [sampleList], request: 'block', response: 'stop' } },
      { chunks: 40, chunkIntervalMs: 2 },
    );
  });
  after(() => Promise.all([masking.close(), stopping.close()]));

  it('masks a streamed Responses answer and the response.completed that repeats it, however the bytes are split', async () => {
    for (const fault of faults) {
      const stream = await client(masking, fault).responses.create({
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
      assert.equal(text, maskedAnswer, `fault ${fault}`);
      const part = completed?.output[0]?.type === 'message' ? completed.output[0].content[0] : undefined;
      assert.equal(part?.type === 'output_text' ? part.text : undefined, maskedAnswer);
    }
  });

  it('masks a whole Responses answer', async () => {
    const answer = await client(masking).responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    assert.equal(answer.output_text, maskedAnswer);
    assert.equal(answer.status, 'completed');
  });

  it('stops a streamed Responses answer: response.incomplete (content_filter), then an error the client raises', async () => {
    const stream = await client(stopping).responses.create({
      model: 'gpt-4o-mini',
      input: 'hi',
      stream: true,
    });
    let text = '';
    let incomplete: OpenAI.Responses.Response | undefined;
    await assert.rejects(async () => {
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.incomplete') incomplete = event.response;
        assert.notEqual(event.type, 'response.completed');
      }
    }, isContentFilterError);
    assert.equal(text, stoppedAnswer);
    assert.equal(incomplete?.status, 'incomplete');
    assert.equal(incomplete?.incomplete_details?.reason, 'content_filter');
    const upstream = stopping.mock.requests.at(-1);
    assert.ok(upstream);
    assert.equal((await upstream.closed).completed, false, 'the upstream is released');
  });

  it('stops a whole Responses answer at the first match', async () => {
    const answer = await client(stopping).responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    assert.equal(answer.output_text, stoppedAnswer);
    assert.equal(answer.status, 'incomplete');
    assert.equal(answer.incomplete_details?.reason, 'content_filter');
  });

  it('masks a streamed completion, however the bytes are split, and a whole one', async () => {
    for (const fault of faults) {
      const stream = await client(masking, fault).completions.create({
        model: 'gpt-3.5-turbo-instruct',
        prompt: 'hi',
        stream: true,
      });
      let text = '';
      const finishes: unknown[] = [];
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? '';
        if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      }
      assert.equal(text, maskedAnswer, `fault ${fault}`);
      assert.deepEqual(finishes, ['stop']);
    }
    const whole = await client(masking).completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'hi' });
    assert.equal(whole.choices[0]?.text, maskedAnswer);
  });

  it('stops a completion: finish_reason content_filter, then an error the client raises; a whole one is cut', async () => {
    const stream = await client(stopping).completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'hi',
      stream: true,
    });
    let text = '';
    const finishes: unknown[] = [];
    await assert.rejects(async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? '';
        if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      }
    }, isContentFilterError);
    assert.equal(text, stoppedAnswer);
    assert.deepEqual(finishes, ['content_filter']);

    const whole = await client(stopping).completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'hi',
    });
    assert.equal(whole.choices[0]?.text, stoppedAnswer);
    assert.equal(whole.choices[0]?.finish_reason, 'content_filter');
  });

  it('leaves embeddings alone (they carry no text answer)', async () => {
    const answer = await send(`${masking.url}/embeddings`, {
      headers: { 'x-mock-content': encodeURIComponent(answerText) },
      body: { model: 'text-embedding-3-small', input: 'plain words' },
    });
    assert.equal(answer.status, 200);
    assert.ok(Array.isArray((answer.json as { data: unknown[] }).data));
  });
});
