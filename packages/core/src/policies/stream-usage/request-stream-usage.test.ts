import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { captureLogs, type GatewayWithMock, send, startGatewayWithMock } from '../../testing/index.js';
import type { Usage } from '../../types.js';

const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Count to three' }],
  stream: true,
  ...extra,
});

/** The stream with its per-request parts (`id`, `created`) blanked, to compare two runs. */
const stable = (text: string) =>
  text.replace(/chatcmpl-mock-\d+/g, 'ID').replace(/"created":\d+/g, '"created":0');

describe('requestStreamUsage', () => {
  let ferry: GatewayWithMock;
  let plain: GatewayWithMock;
  const logs = captureLogs();
  const reported: Usage[] = [];
  before(async () => {
    const mockOptions = { chunks: 3, content: '一二三😀' };
    ferry = await startGatewayWithMock(
      { requestStreamUsage: true, logger: logs.logger, onUsage: (usage) => reported.push(usage) },
      mockOptions,
    );
    plain = await startGatewayWithMock({}, mockOptions);
  });
  after(async () => {
    await ferry.close();
    await plain.close();
  });

  it('asks the upstream for usage, reports it, and returns exactly the stream the client asked for', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { 'x-request-id': 'usage-injected' },
      body: chat({ stream_options: { other: 1 } }),
    });
    const recorded = await ferry.mock.nextRequest();
    assert.deepEqual((recorded.json as { stream_options: unknown }).stream_options, {
      other: 1,
      include_usage: true,
    });

    const without = await send(`${plain.url}/chat/completions`, { body: chat() });
    assert.equal(answer.status, 200);
    assert.equal(stable(answer.text), stable(without.text));
    assert.doesNotMatch(answer.text, /"usage"/);
    assert.match(answer.text, /data: \[DONE\]\n\n$/);

    assert.equal(reported.length, 1);
    const usage = reported[0]!;
    assert.equal(usage.completionTokens, 3);
    assert.equal(usage.totalTokens, usage.promptTokens + 3);
    const line = await logs.waitFor((entry) => entry.requestId === 'usage-injected');
    assert.deepEqual(line.usage, usage);
  });

  it('removes nothing when the client asked for usage itself', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: chat({ stream_options: { include_usage: true } }),
    });
    const recorded = await ferry.mock.nextRequest();
    // The client's own bytes go upstream unchanged.
    assert.equal(recorded.body.toString(), JSON.stringify(chat({ stream_options: { include_usage: true } })));
    const direct = await send(`${plain.url}/chat/completions`, {
      body: chat({ stream_options: { include_usage: true } }),
    });
    assert.equal(stable(answer.text), stable(direct.text));
    assert.match(answer.text, /"usage":null/);
    assert.match(answer.text, /"choices":\[\],"usage":\{/);
    assert.equal(reported.length, 2);
  });

  it('leaves non-stream requests and the Responses API alone', async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    await send(`${ferry.url}/chat/completions`, { body });
    assert.equal((await ferry.mock.nextRequest()).body.toString(), JSON.stringify(body));
    const responses = { model: 'gpt-4o-mini', input: 'hi', stream: true };
    await send(`${ferry.url}/responses`, { body: responses });
    assert.equal((await ferry.mock.nextRequest()).body.toString(), JSON.stringify(responses));
    assert.equal(reported.length, 4);
  });

  it('injects usage into legacy completions streams too', async () => {
    const answer = await send(`${ferry.url}/completions`, {
      body: { model: 'gpt-4o-mini', prompt: 'hi', stream: true },
    });
    const recorded = await ferry.mock.nextRequest();
    assert.deepEqual((recorded.json as { stream_options: unknown }).stream_options, { include_usage: true });
    assert.doesNotMatch(answer.text, /"usage"/);
    assert.equal(reported.at(-1)?.completionTokens, 3);
  });

  it('still ends a stream that fails mid-way with the error event and an abort', async () => {
    const response = await request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': 'reset-after=2' },
      body: JSON.stringify(chat()),
    });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of response.body) text += String(chunk);
    });
    const events = text.split('\n\n').filter((event) => event !== '');
    assert.equal(events.length, 3);
    assert.doesNotMatch(text, /"usage"/);
    assert.equal(JSON.parse(events[2]!.slice('data: '.length)).error.code, 'upstream_stream_error');
  });
});
