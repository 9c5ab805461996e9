import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { register } from 'prom-client';
import { signRequest } from '../signing/sign-request.js';
import {
  captureLogs,
  type ReadResponse,
  rawExchange,
  send,
  startGatewayServer,
  startGatewayWithMock,
  startRawUpstream,
} from '../testing/index.js';
import { testSigningSecret } from './test-secrets.js';

const canary = 'sk-upstream-CANARY-5f0c2b9e7d41a3';
const clientCanary = 'sk-client-CANARY-88e1d0';
const sampleList = fileURLToPath(new URL('../filter/fixtures/sample-words.txt', import.meta.url));

/** Everything a client saw: status line, headers and body. */
const seen = (answer: ReadResponse) => `${answer.status} ${JSON.stringify(answer.headers)} ${answer.text}`;

describe('canary: the upstream key appears nowhere but upstream', () => {
  it('not in logs, metrics or responses, across successes, rejections and failures', async () => {
    const logs = captureLogs('trace');
    const ferry = await startGatewayWithMock(
      {
        logger: logs.logger,
        upstream: { url: 'http://placeholder.invalid/v1', apiKey: canary },
        clients: [{ id: 'app', keys: [clientCanary] }],
        signing: { keys: [{ keyId: 'app', secrets: [testSigningSecret] }], required: false },
        contentFilter: { wordLists: [sampleList], request: 'block', response: 'stop' },
        maxBodyBytes: 64 * 1024,
        metrics: {},
      },
      { apiKey: canary, content: '一段普通的回答，然后是违禁词，之后还有。', chunks: 8 },
    );
    const auth = { authorization: `Bearer ${clientCanary}` };
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    const answers: ReadResponse[] = [];
    const raw: string[] = [];
    try {
      const url = ferry.url;
      answers.push(await send(`${url}/chat/completions`, { headers: auth, body: chat }));
      answers.push(await send(`${url}/chat/completions`, { headers: auth, body: { ...chat, stream: true } }));
      answers.push(
        await send(`${url}/embeddings`, {
          headers: auth,
          body: { model: 'text-embedding-3-small', input: 'x' },
        }),
      );
      answers.push(await send(`${url}/models`, { headers: auth }));
      answers.push(await send(`${url}/models`));
      answers.push(await send(`${url}/models`, { headers: { authorization: 'Bearer wrong' } }));
      answers.push(
        await send(`${url}/models`, {
          headers: {
            ...signRequest({ keyId: 'app', secret: 'x'.repeat(32), method: 'GET', url: '/v1/models' }),
          },
        }),
      );
      answers.push(
        await send(`${url}/chat/completions`, {
          headers: { ...auth, 'content-type': 'application/json' },
          body: '{nope',
        }),
      );
      answers.push(
        await send(`${url}/chat/completions`, {
          headers: auth,
          body: { ...chat, messages: [{ role: 'user', content: '违禁词' }] },
        }),
      );
      answers.push(await send(`${url}/nowhere`, { headers: auth }));
      answers.push(
        await send(`${url}/chat/completions`, { headers: auth, body: { ...chat, pad: 'x'.repeat(70_000) } }),
      );
      for (const fault of [
        'status=500',
        'status=429;retry-after=1',
        'status=401',
        'reset-before-headers',
        'reset-after=2',
      ]) {
        answers.push(
          await send(`${url}/chat/completions`, {
            headers: { ...auth, 'x-mock-fault': fault },
            body: { ...chat, stream: fault.startsWith('reset-after') },
          }).catch((error: Error) => ({ status: 0, headers: {}, text: String(error), json: undefined })),
        );
      }
      const { bytes } = await rawExchange(
        ferry.port,
        `GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${clientCanary}\r\nConnection: close\r\n\r\n`,
      );
      raw.push(bytes.toString('latin1'));
    } finally {
      await ferry.close();
    }
    // The key was really in use: the upstream received it.
    assert.ok(ferry.mock.requests.some((request) => request.headers.authorization === `Bearer ${canary}`));
    assert.ok(answers.some((answer) => answer.status === 200));
    assert.ok(logs.lines.length >= answers.length, 'every request was logged');
    const everything = [
      ...answers.map(seen),
      ...raw,
      ...logs.lines,
      await register.metrics(),
      (await ferry.gateway.metrics?.render()) ?? 'metrics missing',
    ].join('\n');
    assert.match(everything, /ferry_requests_total\{/);
    for (const secret of [canary, clientCanary, testSigningSecret]) {
      assert.ok(!everything.includes(secret), `${secret.slice(0, 12)}… leaked`);
    }
  });

  it('is cut out of an upstream error body that quotes it', async () => {
    const upstream = await startRawUpstream((request, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${request.headers.authorization}`,
            code: 'invalid_api_key',
          },
        }),
      );
    });
    const logs = captureLogs('trace');
    const ferry = await startGatewayServer({
      logger: logs.logger,
      upstream: { url: upstream.url, apiKey: canary, local: true },
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages: [] },
      });
      assert.equal(answer.status, 401);
      assert.match(answer.text, /Incorrect API key provided: Bearer \[redacted\]/);
      assert.ok(!seen(answer).includes(canary));
      assert.ok(!logs.lines.join('').includes(canary));
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });
});
