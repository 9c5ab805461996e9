import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { chatBody } from '@ferry/mock-upstream/helpers';
import type { RunningServer } from './serve-gateway.js';
import { startFerryServer } from './start-ferry-server.js';

/** Sends a request head declaring `length` bytes with `Expect: 100-continue`; returns what comes back. */
function declareUpload(port: number, path: string, length: number) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // Invited: no refusal came. Close, and let the test see the invitation.
      if (text.startsWith('HTTP/1.1 100 Continue')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
    );
  });
}

describe('startFerryServer', () => {
  let upstream: MockUpstream;
  let running: RunningServer;
  const printed: string[] = [];
  before(async () => {
    upstream = await startMockUpstream({ apiKey: 'sk-upstream' });
    running = await startFerryServer({
      port: 0,
      environment: { FERRY_UPSTREAM_URL: upstream.url, FERRY_UPSTREAM_API_KEY: 'sk-upstream' },
      logger: false,
      print: (line) => printed.push(line),
    });
  });
  after(async () => {
    await running.close();
    await upstream.close();
  });

  it('forwards to FERRY_UPSTREAM_URL with its key, and starts no mock', async () => {
    assert.equal(running.mock, undefined);
    assert.match(printed.join('\n'), new RegExp(`Forwarding to default at ${upstream.url}`));
    assert.match(printed.join('\n'), new RegExp(`Prometheus metrics: GET ${running.url}/ferry/metrics`));
    const response = await fetch(`${running.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody(),
    });
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    assert.equal(upstream.requests.at(-1)?.headers.authorization, 'Bearer sk-upstream');
  });

  it('answers /health, and the OpenAI-shaped 404 on any other path outside the API base', async () => {
    const health = await fetch(`${running.origin}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const head = await fetch(`${running.origin}/health`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const other = await fetch(`${running.origin}/admin`);
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'unknown_url');
  });

  it('refuses an Expect: 100-continue upload over maxBodyBytes before the body is sent', async () => {
    const port = running.server.address() as { port: number };
    const refused = await declareUpload(port.port, '/v1/chat/completions', 50 * 1024 * 1024);
    assert.match(refused, /^HTTP\/1\.1 413 /);
    assert.match(refused, /"code":"request_too_large"/);
    const invited = await declareUpload(port.port, '/v1/chat/completions', 100);
    assert.match(invited, /^HTTP\/1\.1 100 Continue/);
  });
});
