import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai-v6';
import { OpenAIRealtimeWS } from 'openai-v6/realtime/ws';
import { type MockUpstream, startMockUpstream } from './index.js';

// The official openai package's GA Realtime client (v6 runs on Node 20) against the mock, as
// the gateway's users will call it.
describe('the official openai Realtime client against the mock', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({ apiKey: 'sk-mock', content: 'GA from the mock.', chunks: 3 });
  });
  after(() => mock.close());

  it('runs a text turn with GA event names and reads the usage of response.done', async () => {
    const client = new OpenAI({ apiKey: 'sk-mock', baseURL: mock.url });
    // The SDK always builds a wss:// URL; the mock speaks plain HTTP on loopback, so the test
    // hands ws a plain TCP socket through its createConnection option (no TLS in between).
    const rt = new OpenAIRealtimeWS(
      {
        model: 'gpt-realtime',
        options: { createConnection: () => connect(mock.port, '127.0.0.1') } as object,
      },
      client,
    );
    const errors: unknown[] = [];
    rt.on('error', (error) => errors.push(error));
    const seen: { type: string }[] = [];
    const waiting = new Map<string, (event: unknown) => void>();
    rt.on('event', (event) => {
      seen.push(event);
      waiting.get(event.type)?.(event);
    });
    // Resolves with the first event of that type, already seen or still to come.
    const next = <T>(type: string) =>
      new Promise<T>((resolve) => {
        const found = seen.find((event) => event.type === type);
        if (found !== undefined) resolve(found as T);
        else waiting.set(type, (event) => resolve(event as T));
      });
    const created = await next<OpenAI.Realtime.SessionCreatedEvent>('session.created');
    assert.equal(created.session.type, 'realtime');
    rt.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    await next('session.updated');
    rt.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say something' }] },
    });
    const added = await next<OpenAI.Realtime.ConversationItemAdded>('conversation.item.added');
    assert.equal(added.item.type, 'message');
    rt.send({ type: 'response.create' });
    const done = await next<OpenAI.Realtime.ResponseDoneEvent>('response.done');
    const text = seen
      .filter(
        (event): event is OpenAI.Realtime.ResponseTextDeltaEvent =>
          event.type === 'response.output_text.delta',
      )
      .map((event) => event.delta)
      .join('');
    assert.equal(text, 'GA from the mock.');
    assert.equal(done.response.status, 'completed');
    // 'Say something' is 13 characters: ceil(13 / 4) = 4 input tokens; 3 pieces out.
    assert.equal(done.response.usage?.input_tokens, 4);
    assert.equal(done.response.usage?.output_tokens, 3);
    assert.equal(done.response.usage?.input_token_details?.cached_tokens, 0);
    assert.deepEqual(errors, []);
    rt.close();
    assert.equal((await mock.sockets.at(-1)?.closed)?.code, 1000);
  });
});
