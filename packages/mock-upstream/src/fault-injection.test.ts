import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { type MockUpstream, startMockUpstream } from './index.js';
import { eventPayloads, getText, parseEvents, postJson, rawChunkedPost } from './testing/http-client.js';

const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] };
const streamingChat = { ...chat, stream: true };

describe('fault injection', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  beforeEach(() => mock.reset());
  after(() => mock.close());

  const postWithFault = (fault: string, body: unknown = chat, signal?: AbortSignal) =>
    request(`${mock.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': fault },
      body: JSON.stringify(body),
      signal,
    });

  /** Reads the body until it ends or fails; returns what arrived and the failure, if any. */
  const drain = async (body: AsyncIterable<Buffer>) => {
    const parts: Buffer[] = [];
    try {
      for await (const part of body) parts.push(part);
      return { bytes: Buffer.concat(parts), error: undefined };
    } catch (error) {
      return { bytes: Buffer.concat(parts), error };
    }
  };

  describe('status', () => {
    it('answers the status with an OpenAI error typed by status', async () => {
      const expectations: [number, string, string | null][] = [
        [429, 'requests', 'rate_limit_exceeded'],
        [500, 'server_error', null],
        [503, 'server_error', null],
        [400, 'invalid_request_error', null],
        [404, 'invalid_request_error', null],
      ];
      for (const [status, type, code] of expectations) {
        const response = await postJson(`${mock.url}/chat/completions`, streamingChat, {
          'x-mock-fault': `status=${status}`,
        });
        assert.equal(response.status, status);
        assert.equal(response.headers['content-type'], 'application/json');
        const { error } = JSON.parse(response.text);
        assert.equal(error.type, type, `type for ${status}`);
        assert.equal(error.code, code, `code for ${status}`);
        assert.equal(error.param, null);
        assert.equal(typeof error.message, 'string');
        assert.equal(response.headers['retry-after'], undefined);
      }
    });

    it('passes retry-after and retry-after-ms through verbatim', async () => {
      for (const value of ['2', 'Wed, 21 Oct 2015 07:28:00 GMT', 'soon, maybe!', '-5']) {
        const response = await postJson(`${mock.url}/chat/completions`, chat, {
          'x-mock-fault': `status=429;retry-after=${value}`,
        });
        assert.equal(response.status, 429);
        assert.equal(response.headers['retry-after'], value);
      }
      const both = await postJson(`${mock.url}/chat/completions`, chat, {
        'x-mock-fault': 'status=503;retry-after=1;retry-after-ms=1500',
      });
      assert.equal(both.headers['retry-after'], '1');
      assert.equal(both.headers['retry-after-ms'], '1500');
    });

    it('is also read from a mock-fault:<spec> model name', async () => {
      const response = await postJson(`${mock.url}/chat/completions`, {
        ...chat,
        model: 'mock-fault:status=429;retry-after=7',
      });
      assert.equal(response.status, 429);
      assert.equal(response.headers['retry-after'], '7');
    });

    it('applies times=n to the first n requests of that spec, then succeeds', async () => {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await postJson(`${mock.url}/chat/completions`, chat, {
          'x-mock-fault': 'status=503;times=2',
        });
        statuses.push(response.status);
        if (response.status === 200) assert.equal(JSON.parse(response.text).object, 'chat.completion');
      }
      assert.deepEqual(statuses, [503, 503, 200, 200]);
      const otherSpec = await postJson(`${mock.url}/chat/completions`, chat, {
        'x-mock-fault': 'status=500;times=2',
      });
      assert.equal(otherSpec.status, 500, 'a different spec string has its own count');
      mock.reset();
      const afterReset = await postJson(`${mock.url}/chat/completions`, chat, {
        'x-mock-fault': 'status=503;times=2',
      });
      assert.equal(afterReset.status, 503, 'reset() starts the counts over');
    });

    it('answers 400 to a spec with a typo', async () => {
      const response = await postJson(`${mock.url}/chat/completions`, chat, { 'x-mock-fault': 'stauts=500' });
      assert.equal(response.status, 400);
      const { error } = JSON.parse(response.text);
      assert.equal(error.code, 'invalid_mock_fault');
      assert.match(error.message, /stauts/);
    });
  });

  describe('connection faults', () => {
    it('reset-before-headers resets the socket without a response', async () => {
      const pending = postWithFault('reset-before-headers');
      await assert.rejects(pending, { code: 'ECONNRESET' });
      const recorded = mock.requests.at(-1);
      assert.equal((await recorded?.closed)?.completed, false);
    });

    it('reset-after=n sends headers and n events, then fails the stream', async () => {
      const response = await postWithFault('reset-after=2', streamingChat);
      assert.equal(response.statusCode, 200);
      const { bytes, error } = await drain(response.body);
      assert.ok(error, 'the stream must fail, not end cleanly');
      const events = parseEvents(bytes.toString());
      assert.equal(events.length, 2);
      assert.ok(bytes.toString().endsWith('\n\n'));
      assert.equal((await mock.requests.at(-1)?.closed)?.completed, false);
    });

    it('end-after=n sends n events, then ends the body cleanly without [DONE]', async () => {
      const response = await postWithFault('end-after=2', streamingChat);
      assert.equal(response.statusCode, 200);
      const { bytes, error } = await drain(response.body);
      assert.equal(error, undefined);
      const events = parseEvents(bytes.toString());
      assert.equal(events.length, 2);
      assert.doesNotMatch(bytes.toString(), /\[DONE\]/);
    });

    it('reset-after=0 sends only headers', async () => {
      const response = await postWithFault('reset-after=0', streamingChat);
      assert.equal(response.statusCode, 200);
      const { bytes, error } = await drain(response.body);
      assert.ok(error);
      assert.equal(bytes.length, 0);
    });

    it('reset-after on a JSON response sends half the body, then fails it', async () => {
      const whole = await postJson(`${mock.url}/chat/completions`, chat);
      const response = await postWithFault('reset-after=1');
      const length = Number(response.headers['content-length']);
      assert.equal(length, Buffer.byteLength(whole.text));
      const { bytes, error } = await drain(response.body);
      assert.ok(error);
      assert.equal(bytes.length, Math.floor(length / 2));
    });

    it('stall-before-headers never answers; the client aborting resolves closed with completed=false', async () => {
      const controller = new AbortController();
      let settled = false;
      const pending = postWithFault('stall-before-headers', chat, controller.signal).finally(() => {
        settled = true;
      });
      const recorded = await mock.nextRequest();
      await sleep(100);
      assert.equal(settled, false, 'no response may arrive');
      controller.abort();
      await assert.rejects(pending);
      const closed = await recorded.closed;
      assert.equal(closed.completed, false);
      assert.ok(closed.at >= recorded.receivedAt);
    });

    it('stall-after=n sends n events, then nothing until the client leaves', async () => {
      const controller = new AbortController();
      const response = await postWithFault('stall-after=1', streamingChat, controller.signal);
      const recorded = mock.requests.at(-1);
      const iterator = response.body[Symbol.asyncIterator]();
      let text = '';
      while (!text.endsWith('\n\n')) text += String((await iterator.next()).value);
      assert.equal(parseEvents(text).length, 1);
      const more = await Promise.race([iterator.next().then(() => 'data'), sleep(150).then(() => 'silence')]);
      assert.equal(more, 'silence');
      controller.abort();
      assert.equal((await recorded?.closed)?.completed, false);
    });

    it('malformed-after=n inserts a data line that is not JSON, then continues', async () => {
      const response = await postJson(`${mock.url}/chat/completions`, streamingChat, {
        'x-mock-fault': 'malformed-after=1',
      });
      const events = parseEvents(response.text);
      assert.equal(events.length, 1 + 1 + 5 + 1 + 1);
      assert.equal(events[1]?.data, '{not json');
      assert.doesNotThrow(() => JSON.parse(events[0]?.data ?? ''));
      assert.equal(events.at(-1)?.data, '[DONE]');
      assert.equal((await mock.requests.at(-1)?.closed)?.completed, true);
    });
  });

  describe('pacing faults', () => {
    it('trickle writes a stream one byte per chunk and still delivers it whole', async () => {
      const response = await rawChunkedPost(
        mock.port,
        '/v1/completions',
        { model: 'm', prompt: 'x', stream: true },
        { 'x-mock-fault': 'trickle=1', 'x-mock-content': 'Hi', 'x-mock-chunks': '1' },
      );
      assert.ok(response.complete);
      assert.ok(response.chunkSizes.length > 100);
      assert.ok(response.chunkSizes.every((size) => size === 1));
      const chunks = eventPayloads(response.body.toString()) as { choices: { text: string }[] }[];
      assert.deepEqual(
        chunks.map((chunk) => chunk.choices[0]?.text),
        ['Hi', ''],
      );
    });

    it('trickle delivers a JSON body in many small reads', async () => {
      const response = await postWithFault('status=500;trickle=1');
      const reads: number[] = [];
      const parts: Buffer[] = [];
      for await (const part of response.body) {
        reads.push(part.length);
        parts.push(part);
      }
      assert.equal(JSON.parse(Buffer.concat(parts).toString()).error.type, 'server_error');
      assert.ok(reads.length > 10, `only ${reads.length} reads`);
    });

    it('split=n writes every event in pieces of at most n bytes', async () => {
      const response = await rawChunkedPost(mock.port, '/v1/chat/completions', streamingChat, {
        'x-mock-fault': 'split=7',
      });
      assert.ok(response.complete);
      assert.ok(response.chunkSizes.every((size) => size <= 7));
      const events = parseEvents(response.body.toString());
      assert.equal(events.length, 1 + 5 + 1 + 1);
      assert.ok(response.chunkSizes.length > events.length * 10);
      const deltas = eventPayloads(response.body.toString()).map(
        (chunk) => (chunk as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '',
      );
      assert.equal(deltas.join(''), 'Hello from the mock upstream. 你好，世界！');
    });

    it('applies faults to GET /v1/models too', async () => {
      const response = await getText(`${mock.url}/models`, { 'x-mock-fault': 'status=502' });
      assert.equal(response.status, 502);
    });
  });
});
