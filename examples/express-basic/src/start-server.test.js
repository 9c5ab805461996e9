// @ts-check
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import { startServer } from './start-server.js';

const content = 'Streaming through the starter: 你好，世界！ 🚢';
// The mock answers with the text of this header, so the expected answer is known here.
const contentHeader = { 'x-mock-content': encodeURIComponent(content) };
/** @type {OpenAI.ChatCompletionMessageParam[]} */
const messages = [{ role: 'user', content: 'Hello' }];

/**
 * `${NAME}` as a config file writes it.
 * @param {string} name
 */
const reference = (name) => `\${${name}}`;

const configDirectory = mkdtempSync(join(tmpdir(), 'ferry-starter-test-'));
after(() => rmSync(configDirectory, { recursive: true, force: true }));

/**
 * Writes a config file and returns its path.
 * @param {string} name
 * @param {unknown} config
 */
function configFile(name, config) {
  const file = join(configDirectory, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/**
 * Starts the starter on a free port with the given environment; lines it prints are collected.
 * @param {NodeJS.ProcessEnv} environment
 */
async function start(environment = {}) {
  /** @type {string[]} */
  const printed = [];
  const running = await startServer({
    port: 0,
    environment,
    logger: false,
    print: (line) => printed.push(line),
  });
  return { running, printed };
}

describe('the starter with the in-process mock, through the openai client', () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let running;
  /** @type {string[]} */
  let printed;
  /** @type {OpenAI} */
  let client;
  before(async () => {
    ({ running, printed } = await start({ FERRY_CLIENT_KEYS: 'sk-starter-1, sk-starter-2' }));
    client = new OpenAI({ baseURL: running.url, apiKey: 'sk-starter-2', maxRetries: 0 });
  });
  after(() => running.close());

  it('says where it listens, that it started the mock, and how to try it', () => {
    assert.ok(running.mock);
    assert.match(printed.join('\n'), new RegExp(`listening on ${running.url}`));
    assert.match(printed.join('\n'), /started the mock upstream in-process/);
    assert.match(printed.join('\n'), new RegExp(`curl ${running.url}/chat/completions`));
  });

  it('answers a chat completion', async () => {
    const completion = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages },
      { headers: contentHeader },
    );
    assert.equal(completion.choices[0]?.message.content, content);
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
  });

  it('streams a chat completion to its end', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { headers: contentHeader },
    );
    let text = '';
    let finishReason;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    // The loop ended on [DONE]: the whole text arrived and the last choice says why it stopped.
    assert.equal(text, content);
    assert.equal(finishReason, 'stop');
  });

  it('creates embeddings', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    assert.equal(result.data.length, 2);
    assert.ok((result.data[0]?.embedding.length ?? 0) > 0);
    assert.ok(result.data[0]?.embedding.every((value) => Number.isFinite(value)));
  });

  it('lists models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.ok(ids.includes('gpt-4o-mini'));
  });

  it('raises an error in the stream when the upstream fails mid-stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-fault:reset-after=2',
      messages,
      stream: true,
    });
    const received = [];
    await assert.rejects(
      async () => {
        for await (const chunk of stream) received.push(chunk);
      },
      // Ferry's error event, not just the connection's abort, reached the client's SSE parser.
      (error) => error instanceof OpenAI.APIError && /failed mid-response/.test(error.message),
    );
    // Part of the answer arrived before the failure; it must not pass for a whole answer.
    assert.ok(received.length >= 1);
  });

  it('refuses a client without a configured key', async () => {
    const stranger = new OpenAI({ baseURL: running.url, apiKey: 'sk-someone-else', maxRetries: 0 });
    await assert.rejects(stranger.models.list(), OpenAI.AuthenticationError);
  });

  it("serves Prometheus metrics at the app's own GET /metrics", async () => {
    await client.models.list();
    const response = await fetch(`${running.origin}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(
      text,
      /^ferry_requests_total\{route="models",method="GET",status="200",upstream="mock"\} \d+$/m,
    );
    assert.ok(!text.includes('sk-starter-'), 'a client key leaked into the metrics');
    // Served by the app only, not below the API base.
    assert.equal((await fetch(`${running.url}/ferry/metrics`)).status, 404);
  });

  it("keeps the host app's own routes: /health", async () => {
    const response = await fetch(`${running.origin}/health`);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });
});

describe('the starter configuration', () => {
  it('forwards to FERRY_UPSTREAM_URL with FERRY_UPSTREAM_API_KEY, and starts no mock', async () => {
    const upstream = await startMockUpstream({ apiKey: 'sk-real-upstream' });
    const { running, printed } = await start({
      FERRY_UPSTREAM_URL: upstream.url,
      FERRY_UPSTREAM_API_KEY: 'sk-real-upstream',
    });
    try {
      assert.equal(running.mock, undefined);
      assert.doesNotMatch(printed.join('\n'), /mock upstream/);
      assert.match(printed.join('\n'), new RegExp(`Forwarding to default at ${upstream.url}`));
      const client = new OpenAI({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      assert.ok(completion.choices[0]?.message.content);
      // The mock refuses requests without its key, so the answer proves the key was injected.
      assert.equal(upstream.requests.at(-1)?.headers.authorization, 'Bearer sk-real-upstream');
    } finally {
      await running.close();
      await upstream.close();
    }
  });

  it('reads FERRY_CONFIG with environment references', async () => {
    const file = configFile('keys.json', { clientKeys: [reference('STARTER_TEST_KEY')] });
    const { running } = await start({ FERRY_CONFIG: file, STARTER_TEST_KEY: 'sk-from-env' });
    try {
      const client = new OpenAI({ baseURL: running.url, apiKey: 'sk-from-env', maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      assert.ok(completion.choices[0]?.message.content);
      const literal = new OpenAI({
        baseURL: running.url,
        apiKey: reference('STARTER_TEST_KEY'),
        maxRetries: 0,
      });
      await assert.rejects(literal.models.list(), OpenAI.AuthenticationError);
    } finally {
      await running.close();
    }
  });

  it('starts with ferry.config.example.json as shipped', async () => {
    const upstream = await startMockUpstream({ apiKey: 'sk-openai' });
    const { running } = await start({
      FERRY_CONFIG: fileURLToPath(new URL('../ferry.config.example.json', import.meta.url)),
      OPENAI_API_KEY: 'sk-openai',
      FERRY_SERVICE_KEY: 'sk-service',
      // Replaces the file's api.openai.com upstream: the test stays on this machine.
      FERRY_UPSTREAM_URL: upstream.url,
      FERRY_UPSTREAM_API_KEY: 'sk-openai',
    });
    try {
      const client = new OpenAI({ baseURL: running.url, apiKey: 'sk-service', maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      assert.ok(completion.choices[0]?.message.content);
    } finally {
      await running.close();
      await upstream.close();
    }
  });

  it('lets FERRY_CLIENT_KEYS override the config file', async () => {
    const file = configFile('override.json', { clientKeys: ['sk-from-file'] });
    const { running } = await start({ FERRY_CONFIG: file, FERRY_CLIENT_KEYS: 'sk-from-variable' });
    try {
      const fromFile = new OpenAI({ baseURL: running.url, apiKey: 'sk-from-file', maxRetries: 0 });
      await assert.rejects(fromFile.models.list(), OpenAI.AuthenticationError);
      const fromVariable = new OpenAI({ baseURL: running.url, apiKey: 'sk-from-variable', maxRetries: 0 });
      assert.ok((await fromVariable.models.list()).data.length > 0);
    } finally {
      await running.close();
    }
  });

  it('fails to start, naming the variable, when a referenced variable is not set', async () => {
    const file = configFile('missing.json', {
      upstream: { url: 'https://api.openai.com/v1', apiKey: reference('STARTER_MISSING_KEY') },
    });
    await assert.rejects(start({ FERRY_CONFIG: file }), /STARTER_MISSING_KEY.*is not set/);
  });

  it('fails to start when PORT is not a port number', async () => {
    await assert.rejects(
      startServer({ environment: { PORT: 'eighty' }, logger: false, print: () => {} }),
      /PORT must be a port number, not "eighty"/,
    );
  });

  it('fails to start, naming the field, when an option is wrong', async () => {
    const file = configFile('wrong.json', { idleTimeoutMs: 'soon' });
    await assert.rejects(start({ FERRY_CONFIG: file }), /idleTimeoutMs/);
  });

  it('cuts a stalled stream after idleTimeoutMs from FERRY_CONFIG, as an error in the client', async () => {
    const file = configFile('idle.json', { idleTimeoutMs: 200 });
    const { running } = await start({ FERRY_CONFIG: file });
    try {
      const client = new OpenAI({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'mock-fault:stall-after=1',
        messages,
        stream: true,
      });
      await assert.rejects(
        async () => {
          for await (const _ of stream);
        },
        (error) => error instanceof OpenAI.APIError && /stopped sending mid-response/.test(error.message),
      );
    } finally {
      await running.close();
    }
  });
});

describe('the starter shutting down', () => {
  it('lets an in-flight stream finish before it closes', async () => {
    const { running } = await start();
    const client = new OpenAI({ baseURL: running.url, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { headers: { ...contentHeader, 'x-mock-chunks': '6', 'x-mock-chunk-interval-ms': '20' } },
    );
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    let text = first.done ? '' : (first.value.choices[0]?.delta.content ?? '');
    const closed = running.close();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      text += next.value.choices[0]?.delta.content ?? '';
    }
    await closed;
    assert.equal(text, content);
    await assert.rejects(fetch(`${running.origin}/health`));
  });

  it('src/server.js starts from the environment and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./server.js', import.meta.url))], {
      env: { PATH: process.env.PATH, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise((resolve, reject) => {
        child.stdout.on('data', (text) => {
          output += text;
          const match = /listening on (http:\/\/\S+\/v1)/.exec(output);
          if (match && output.includes('curl ')) resolve(match[1]);
        });
        child.once('exit', () => reject(new Error(`server.js exited before listening:\n${output}`)));
      });
      assert.match(output, /started the mock upstream in-process/);
      const client = new OpenAI({ baseURL: String(url), apiKey: 'unused', maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      assert.ok(completion.choices[0]?.message.content);
      child.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
