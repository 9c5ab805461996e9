import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventSocket, UpgradeRefusedError } from './helpers/index.js';
import { type MockUpstream, type RealtimeUsage, startMockUpstream } from './index.js';

interface DoneResponse {
  status: string;
  output: { content: { type: string; text?: string }[] }[];
  usage: RealtimeUsage;
}
interface SessionShape {
  output_modalities: string[];
  instructions: string;
  audio: { output: { voice: string; format: { type: string } } };
}

const content = 'Hello from the realtime mock.';

describe('mock Realtime GA', () => {
  let mock: MockUpstream;
  let base: string;
  before(async () => {
    mock = await startMockUpstream({ apiKey: 'sk-mock', content, chunks: 3 });
    base = `${mock.origin.replace('http', 'ws')}/v1/realtime`;
  });
  after(() => mock.close());

  const open = (
    protocols?: string[],
    headers: Record<string, string> = { authorization: 'Bearer sk-mock' },
  ) => openEventSocket(`${base}?model=gpt-realtime`, { headers, ...(protocols ? { protocols } : {}) });

  it('opens with session.created for the model in the URL', async () => {
    const socket = await open();
    const created = await socket.next('session.created');
    const session = created.session as Record<string, unknown>;
    assert.equal(session.type, 'realtime');
    assert.equal(session.model, 'gpt-realtime');
    assert.deepEqual(session.output_modalities, ['audio']);
    assert.match(String(created.event_id), /^event_mock_/);
    socket.close();
    assert.equal((await socket.closed).code, 1005);
  });

  it('accepts the browser subprotocol key and echoes only realtime', async () => {
    const socket = await open(['realtime', 'openai-insecure-api-key.sk-mock'], {});
    assert.equal(socket.protocol, 'realtime');
    await socket.next('session.created');
    const recorded = mock.sockets.at(-1)!;
    assert.deepEqual(recorded.protocols, ['realtime', 'openai-insecure-api-key.sk-mock']);
    socket.close(1000);
    assert.equal((await recorded.closed).code, 1000);
  });

  it('refuses a wrong key, a missing model and an unknown path before the 101', async () => {
    const wrongKey = await open(undefined, { authorization: 'Bearer nope' }).catch((error: unknown) => error);
    assert.ok(wrongKey instanceof UpgradeRefusedError);
    assert.equal(wrongKey.status, 401);
    assert.equal(JSON.parse(wrongKey.body).error.code, 'invalid_api_key');
    assert.doesNotMatch(wrongKey.body, /nope/);
    const noModel = await openEventSocket(base, { headers: { authorization: 'Bearer sk-mock' } }).catch(
      (error: unknown) => error,
    );
    assert.ok(noModel instanceof UpgradeRefusedError);
    assert.equal(noModel.status, 400);
    assert.equal(JSON.parse(noModel.body).error.param, 'model');
    const unknown = await openEventSocket(`${mock.origin.replace('http', 'ws')}/v1/nope`, {
      headers: { authorization: 'Bearer sk-mock' },
    }).catch((error: unknown) => error);
    assert.ok(unknown instanceof UpgradeRefusedError);
    assert.equal(unknown.status, 404);
  });

  it('answers the beta header with 101, beta_api_shape_disabled and close 4000', async () => {
    const socket = await open(undefined, { authorization: 'Bearer sk-mock', 'OpenAI-Beta': 'realtime=v1' });
    const error = await socket.next('error');
    assert.equal((error.error as Record<string, unknown>).code, 'beta_api_shape_disabled');
    assert.equal((await socket.closed).code, 4000);
  });

  it('requires session.type on session.update and merges the update', async () => {
    const socket = await open();
    await socket.next('session.created');
    socket.send({ type: 'session.update', event_id: 'client-1', session: { instructions: 'Be brief.' } });
    const error = (await socket.next('error')).error as Record<string, unknown>;
    assert.equal(error.code, 'missing_required_parameter');
    assert.equal(error.param, 'session.type');
    assert.equal(error.event_id, 'client-1');
    socket.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        output_modalities: ['text'],
        instructions: 'Be brief.',
        audio: { output: { voice: 'marin' } },
      },
    });
    const updated = (await socket.next('session.updated')).session as SessionShape;
    assert.deepEqual(updated.output_modalities, ['text']);
    assert.equal(updated.instructions, 'Be brief.');
    assert.equal(updated.audio.output.voice, 'marin');
    assert.equal(updated.audio.output.format.type, 'audio/pcm');
    socket.close();
  });

  it('adds items and streams a text response with GA event names and usage', async () => {
    const socket = await open();
    await socket.next('session.created');
    socket.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello there, mock!' }] },
    });
    const added = await socket.next('conversation.item.added');
    const item = added.item as Record<string, unknown>;
    assert.match(String(item.id), /^item_mock_/);
    assert.equal(added.previous_item_id, null);
    assert.equal(((await socket.next('conversation.item.done')).item as Record<string, unknown>).id, item.id);
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await socket.next('response.done');
    const types = (socket.events as Record<string, unknown>[]).map((event) => event.type);
    const start = types.indexOf('response.created');
    assert.deepEqual(types.slice(start), [
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    const deltas = (socket.events as Record<string, unknown>[])
      .filter((event) => event.type === 'response.output_text.delta')
      .map((event) => event.delta)
      .join('');
    assert.equal(deltas, content);
    const response = done.response as DoneResponse;
    assert.equal(response.status, 'completed');
    assert.equal(response.output[0]?.content[0]?.text, content);
    // 'Hello there, mock!' is 18 characters: ceil(18 / 4) = 5 input tokens; 3 pieces out.
    assert.deepEqual(response.usage, {
      total_tokens: 8,
      input_tokens: 5,
      output_tokens: 3,
      input_token_details: {
        text_tokens: 5,
        audio_tokens: 0,
        image_tokens: 0,
        cached_tokens: 0,
        cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
      },
      output_token_details: { text_tokens: 3, audio_tokens: 0 },
    });
    // The second response sees the first answer as context and the first input as cached.
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const second = (await socket.next('response.done')).response as DoneResponse;
    assert.equal(second.usage.input_tokens, Math.ceil((18 + content.length) / 4));
    assert.equal(second.usage.input_token_details.cached_tokens, 5);
    socket.close();
  });

  it('streams audio deltas with transcripts in audio mode', async () => {
    const socket = await open();
    await socket.next('session.created');
    socket.send({ type: 'response.create' });
    const done = (await socket.next('response.done')).response as DoneResponse;
    const audio = (socket.events as Record<string, unknown>[]).filter(
      (event) => event.type === 'response.output_audio.delta',
    );
    assert.equal(audio.length, 3);
    assert.equal(Buffer.from(String(audio[0]!.delta), 'base64').length, 9_600);
    const transcript = (socket.events as Record<string, unknown>[])
      .filter((event) => event.type === 'response.output_audio_transcript.delta')
      .map((event) => event.delta)
      .join('');
    assert.equal(transcript, content);
    assert.deepEqual(done.usage.output_token_details, { text_tokens: 3, audio_tokens: 6 });
    assert.equal(done.output[0]?.content[0]?.type, 'output_audio');
    socket.close();
  });

  it('refuses a second response.create while one is in flight', async () => {
    const socket = await openEventSocket(`${base}?model=gpt-realtime`, {
      headers: { authorization: 'Bearer sk-mock', 'x-mock-chunk-interval-ms': '20' },
    });
    await socket.next('session.created');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    await socket.next('response.created');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const error = (await socket.next('error')).error as Record<string, unknown>;
    assert.equal(error.code, 'conversation_already_has_active_response');
    await socket.next('response.done');
    socket.close();
  });

  it('cancels a response in flight with response.done status cancelled', async () => {
    const socket = await openEventSocket(`${base}?model=gpt-realtime`, {
      headers: { authorization: 'Bearer sk-mock', 'x-mock-chunk-interval-ms': '50' },
    });
    await socket.next('session.created');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    await socket.next('response.created');
    socket.send({ type: 'response.cancel' });
    const done = (await socket.next('response.done')).response as DoneResponse;
    assert.equal(done.status, 'cancelled');
    assert.equal(done.usage.output_tokens, 0);
    socket.send({ type: 'response.cancel' });
    assert.equal(
      ((await socket.next('error')).error as Record<string, unknown>).code,
      'response_cancel_not_active',
    );
    socket.close();
  });

  it('commits input audio and reports transcription usage when transcription is on', async () => {
    const socket = await open();
    await socket.next('session.created');
    socket.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' } } } },
    });
    await socket.next('session.updated');
    socket.send({ type: 'input_audio_buffer.commit' });
    assert.equal(
      ((await socket.next('error')).error as Record<string, unknown>).code,
      'input_audio_buffer_commit_empty',
    );
    // One second of PCM16 at 24 kHz: 48 000 bytes, 10 mock audio tokens.
    socket.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(48_000).toString('base64') });
    socket.send({ type: 'input_audio_buffer.commit' });
    const committed = await socket.next('input_audio_buffer.committed');
    const transcription = await socket.next('conversation.item.input_audio_transcription.completed');
    assert.equal(transcription.item_id, committed.item_id);
    assert.deepEqual(transcription.usage, {
      type: 'tokens',
      total_tokens: 13,
      input_tokens: 10,
      input_token_details: { text_tokens: 0, audio_tokens: 10 },
      output_tokens: 3,
    });
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = (await socket.next('response.done')).response as DoneResponse;
    assert.equal(done.usage.input_token_details.audio_tokens, 10);
    socket.close();
  });

  it('answers bad frames with error events and keeps the session open', async () => {
    const socket = await open();
    await socket.next('session.created');
    socket.ws.send('{not json');
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).code, 'invalid_json');
    socket.send({ type: 'no.such.event' });
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).param, 'type');
    socket.send({ type: 'conversation.item.create' });
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).param, 'item');
    socket.send({ type: 'response.create', response: { output_modalities: ['text', 'audio'] } });
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).code, 'invalid_value');
    const recorded = mock.sockets.at(-1)!;
    assert.equal(recorded.received[0], '{not json');
    assert.deepEqual(recorded.received[1], { type: 'no.such.event' });
    socket.close();
  });
});
