import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from './index.js';
import { parseEvents, postJson } from './testing/http-client.js';

describe('POST /v1/responses', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({ content: 'Hi there, 世界', chunks: 3 });
  });
  after(() => mock.close());

  it('answers a completed response with one output_text part', async () => {
    const response = await postJson(`${mock.url}/responses`, {
      model: 'gpt-4o',
      input: 'Say hi',
      instructions: 'Be kind',
    });
    assert.equal(response.status, 200);
    const body = JSON.parse(response.text);
    assert.match(body.id, /^resp_mock_\d+$/);
    assert.equal(body.object, 'response');
    assert.equal(body.status, 'completed');
    assert.equal(body.model, 'gpt-4o');
    assert.equal(body.output.length, 1);
    assert.equal(body.output[0].type, 'message');
    assert.equal(body.output[0].role, 'assistant');
    assert.deepEqual(body.output[0].content, [
      { type: 'output_text', text: 'Hi there, 世界', annotations: [] },
    ]);
    // ceil((6 + 7) / 4) input tokens, one output token per piece.
    assert.deepEqual(body.usage, { input_tokens: 4, output_tokens: 3, total_tokens: 7 });
  });

  it('streams the event sequence OpenAI sends, as named events', async () => {
    const response = await postJson(`${mock.url}/responses`, {
      model: 'gpt-4o',
      input: [{ role: 'user', content: 'Say hi' }],
      stream: true,
    });
    assert.equal(response.headers['content-type'], 'text/event-stream; charset=utf-8');
    const events = parseEvents(response.text);
    assert.deepEqual(
      events.map((event) => event.event),
      [
        'response.created',
        'response.output_item.added',
        'response.content_part.added',
        ...Array(3).fill('response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    const payloads = events.map((event) => JSON.parse(event.data));
    for (const [index, payload] of payloads.entries()) {
      assert.equal(payload.type, events[index]?.event);
      assert.equal(payload.sequence_number, index);
    }
    assert.equal(payloads[0].response.status, 'in_progress');
    assert.equal(payloads[1].item.status, 'in_progress');
    assert.equal(payloads[2].part.text, '');
    assert.equal(
      payloads
        .slice(3, 6)
        .map((payload) => payload.delta)
        .join(''),
      'Hi there, 世界',
    );
    assert.equal(payloads[6].text, 'Hi there, 世界');
    assert.equal(payloads[7].part.text, 'Hi there, 世界');
    assert.equal(payloads[8].item.content[0].text, 'Hi there, 世界');
    const completed = payloads[9].response;
    assert.equal(completed.status, 'completed');
    assert.equal(completed.output[0].content[0].text, 'Hi there, 世界');
    assert.ok(!response.text.includes('[DONE]'));
  });

  it('needs an input', async () => {
    const response = await postJson(`${mock.url}/responses`, { model: 'gpt-4o' });
    assert.equal(response.status, 400);
    assert.equal(JSON.parse(response.text).error.param, 'input');
  });
});

describe('previous_response_id', () => {
  it('accepts its own ids and answers an unknown one as OpenAI does', async () => {
    const mock = await startMockUpstream();
    try {
      const post = (previous: unknown) =>
        fetch(`${mock.url}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o', input: 'hi', previous_response_id: previous }),
        });
      assert.equal((await post('resp_mock_1')).status, 200);
      const unknown = await post('resp_elsewhere');
      assert.equal(unknown.status, 400);
      const body = (await unknown.json()) as { error: { code: string; param: string } };
      assert.equal(body.error.code, 'previous_response_not_found');
      assert.equal(body.error.param, 'previous_response_id');
    } finally {
      await mock.close();
    }
  });
});
