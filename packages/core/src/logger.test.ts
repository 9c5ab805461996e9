import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGateway } from './gateway.js';
import { captureLogs, send, startGatewayWithMock } from './testing/index.js';

const clientKey = 'sk-client-canary-4be1d0';
const upstreamKey = 'sk-upstream-canary-a93f72';
const openWarning = /no client keys configured/;

describe('request logging', () => {
  it('writes one line per request with id, status and durations, and never a key', async () => {
    const logs = captureLogs('trace');
    const ferry = await startGatewayWithMock({
      logger: logs.logger,
      clientKeys: [clientKey],
      upstream: { apiKey: upstreamKey },
    });
    const answers: string[] = [];
    try {
      const auth = { authorization: `Bearer ${clientKey}` };
      const calls: Array<{ id: string; headers: Record<string, string>; body: unknown }> = [
        { id: 'log-chat', headers: auth, body: { model: 'gpt-4o-mini', messages: [] } },
        { id: 'log-stream', headers: auth, body: { model: 'gpt-4o-mini', messages: [], stream: true } },
        {
          id: 'log-upstream-error',
          headers: { ...auth, 'x-mock-fault': 'status=500' },
          body: { model: 'm' },
        },
        { id: 'log-denied', headers: { 'x-api-key': `${clientKey}-wrong` }, body: { model: 'm' } },
        { id: 'log-bad-json', headers: { ...auth, 'content-type': 'application/json' }, body: '{' },
      ];
      for (const call of calls) {
        const answer = await send(`${ferry.url}/chat/completions`, {
          headers: { ...call.headers, 'x-request-id': call.id },
          body: call.body,
        });
        answers.push(JSON.stringify(answer.headers) + answer.text);
      }
      const expected: Record<string, { status: number; error?: string }> = {
        'log-chat': { status: 200 },
        'log-stream': { status: 200 },
        'log-upstream-error': { status: 500 },
        'log-denied': { status: 401, error: 'invalid_api_key' },
        'log-bad-json': { status: 400, error: 'invalid_json' },
      };
      for (const [requestId, { status, error }] of Object.entries(expected)) {
        const lines = logs.entries().filter((entry) => entry.requestId === requestId);
        assert.equal(lines.length, 1, `${requestId} logged ${lines.length} times`);
        const line = lines[0]!;
        assert.equal(line.status, status);
        assert.equal(line.error, error);
        assert.equal(line.method, 'POST');
        assert.equal(line.path, '/v1/chat/completions');
        assert.equal(typeof line.durationMs, 'number');
        assert.equal(typeof line.upstreamMs, 'number');
        assert.ok((line.durationMs as number) >= (line.upstreamMs as number));
      }
      const byId = (id: string) => logs.entries().find((entry) => entry.requestId === id);
      assert.match(String(byId('log-chat')?.client), /^key_/);
      assert.equal(byId('log-stream')?.stream, true);
    } finally {
      await ferry.close();
    }
    const everything = logs.lines.join('') + answers.join('');
    assert.ok(!everything.includes(clientKey), 'the client key leaked');
    assert.ok(!everything.includes(upstreamKey), 'the upstream key leaked');
  });
});

describe('the open-gateway warning', () => {
  it('is logged exactly once, at start, when no client keys are configured', async () => {
    const logs = captureLogs();
    const ferry = await startGatewayWithMock({ logger: logs.logger });
    try {
      assert.equal(logs.entries().filter((entry) => openWarning.test(String(entry.msg))).length, 1);
      assert.equal(logs.entries()[0]?.level, 40);
      await send(`${ferry.url}/models`);
      await send(`${ferry.url}/models`);
      assert.equal(logs.entries().filter((entry) => openWarning.test(String(entry.msg))).length, 1);
    } finally {
      await ferry.close();
    }
  });

  it('is not logged when client keys are configured', async () => {
    const logs = captureLogs();
    const gateway = createGateway({
      upstream: { url: 'http://127.0.0.1:9/v1' },
      clientKeys: ['k'],
      logger: logs.logger,
    });
    await gateway.close();
    assert.equal(logs.lines.length, 0);
  });
});
