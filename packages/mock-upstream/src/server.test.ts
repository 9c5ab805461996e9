import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type MockUpstream, startMockUpstream } from './index.js';
import { getText, postJson } from './testing/http-client.js';

describe('mock upstream server', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({ models: ['a-model', 'b-model'] });
  });
  after(() => mock.close());

  it('exposes the API base and origin of its port', () => {
    assert.equal(mock.origin, `http://127.0.0.1:${mock.port}`);
    assert.equal(mock.url, `${mock.origin}/v1`);
    assert.ok(mock.port > 0);
  });

  it('lists the configured models', async () => {
    const response = await getText(`${mock.url}/models`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.text), {
      object: 'list',
      data: [
        { id: 'a-model', object: 'model', created: 1_700_000_000, owned_by: 'ferry-mock' },
        { id: 'b-model', object: 'model', created: 1_700_000_000, owned_by: 'ferry-mock' },
      ],
    });
  });

  it('numbers x-request-id by arrival and keeps connections alive for a minute', async () => {
    const first = await getText(`${mock.url}/models`);
    const second = await getText(`${mock.url}/models`);
    const number = (value: unknown) => Number(String(value).replace('mock-req-', ''));
    assert.equal(number(second.headers['x-request-id']), number(first.headers['x-request-id']) + 1);
    assert.equal(first.headers['keep-alive'], 'timeout=65');
  });

  it('answers 404 unknown_url for other routes and methods', async () => {
    for (const [method, path] of [
      ['GET', '/v1/chat/completions'],
      ['POST', '/v1/nope'],
      ['GET', '/'],
    ] as const) {
      const response =
        method === 'GET'
          ? await getText(`${mock.origin}${path}`)
          : await postJson(`${mock.origin}${path}`, {});
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.ok(response.headers['x-request-id']);
      assert.deepEqual(JSON.parse(response.text), {
        error: {
          message: `Unrecognized request URL (${method}: ${path}).`,
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_url',
        },
      });
    }
  });

  it('answers 400 to a body that is not a JSON object', async () => {
    for (const body of ['{"model":', '', '[1,2]']) {
      const response = await postJson(`${mock.url}/chat/completions`, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      const { error } = JSON.parse(response.text);
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message, /JSON/);
    }
  });

  it('rejects options with a bad value, naming the field', async () => {
    await assert.rejects(startMockUpstream({ latencyMs: -1 }), /'latencyMs'/);
    await assert.rejects(startMockUpstream({ models: [1 as unknown as string] }), /'models'/);
  });
});

describe('apiKey', () => {
  it('answers 401 without the exact bearer key and never echoes the key', async () => {
    const mock = await startMockUpstream({ apiKey: 'sk-mock-secret' });
    try {
      const body = { model: 'gpt-4o', messages: [] };
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Bearer sk-wrong' },
        { authorization: 'sk-mock-secret' },
      ];
      for (const headers of attempts) {
        const response = await postJson(`${mock.url}/chat/completions`, body, headers);
        assert.equal(response.status, 401);
        const { error } = JSON.parse(response.text);
        assert.equal(error.code, 'invalid_api_key');
        assert.ok(!response.text.includes('sk-'));
      }
      const allowed = await postJson(`${mock.url}/chat/completions`, body, {
        authorization: 'Bearer sk-mock-secret',
      });
      assert.equal(allowed.status, 200);
      mock.setOptions({ apiKey: undefined });
      assert.equal(
        (await postJson(`${mock.url}/chat/completions`, body)).status,
        200,
        'setOptions turns the check off',
      );
    } finally {
      await mock.close();
    }
  });
});

describe('close', () => {
  it('leaves nothing running: a process with stalled, delayed and trickling requests exits by itself', async () => {
    const fixture = fileURLToPath(new URL('./testing/close-fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    clearTimeout(timer);
    assert.equal(signal, null, 'the process had to be killed: something kept it alive');
    assert.equal(code, 0);
    assert.match(output, /closed 5 in-flight exchanges/);
  });

  it('can be called twice', async () => {
    const mock = await startMockUpstream();
    await Promise.all([mock.close(), mock.close()]);
    await mock.close();
  });
});
