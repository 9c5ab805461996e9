// @ts-check
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startServer } from './start-server.js';

const content = 'Ferry on Koa: 你好！';
const contentHeader = { 'x-mock-content': encodeURIComponent(content) };
/** @type {OpenAI.ChatCompletionMessageParam[]} */
const messages = [{ role: 'user', content: 'Hello' }];

/**
 * `${NAME}` as a config file writes it.
 * @param {string} name
 */
const reference = (name) => `\${${name}}`;

describe('the Koa starter through the openai client', () => {
  const configDirectory = mkdtempSync(join(tmpdir(), 'ferry-koa-starter-test-'));
  const configFile = join(configDirectory, 'ferry.json');
  writeFileSync(configFile, JSON.stringify({ clientKeys: [reference('KOA_TEST_KEY')] }));
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let running;
  /** @type {OpenAI} */
  let client;
  /** @type {string[]} */
  const printed = [];

  before(async () => {
    running = await startServer({
      port: 0,
      environment: { FERRY_CONFIG: configFile, KOA_TEST_KEY: 'sk-koa' },
      logger: false,
      print: (line) => printed.push(line),
    });
    client = new OpenAI({ baseURL: running.url, apiKey: 'sk-koa', maxRetries: 0 });
  });
  after(async () => {
    await running.close();
    rmSync(configDirectory, { recursive: true, force: true });
  });

  it('starts the mock and says so', () => {
    assert.ok(running.mock);
    assert.match(printed.join('\n'), /started the mock upstream in-process/);
  });

  it('answers and streams chat completions', async () => {
    const completion = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages },
      { headers: contentHeader },
    );
    assert.equal(completion.choices[0]?.message.content, content);
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { headers: contentHeader },
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, content);
  });

  it('creates embeddings', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'one' });
    assert.ok((result.data[0]?.embedding.length ?? 0) > 0);
  });

  it('raises an error in the stream when the upstream fails mid-stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock-fault:reset-after=2',
      messages,
      stream: true,
    });
    await assert.rejects(
      async () => {
        for await (const _ of stream);
      },
      (error) => error instanceof OpenAI.APIError && /failed mid-response/.test(error.message),
    );
  });

  it('refuses keys other than the one the config file references', async () => {
    const stranger = new OpenAI({ baseURL: running.url, apiKey: 'sk-other', maxRetries: 0 });
    await assert.rejects(stranger.models.list(), OpenAI.AuthenticationError);
  });

  it("serves Prometheus metrics at the app's own GET /metrics", async () => {
    const response = await fetch(`${running.origin}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(
      await response.text(),
      /^ferry_requests_total\{route="chat\.completions",method="POST",status="200"/m,
    );
  });

  it("keeps the host app's own routes: /health", async () => {
    const response = await fetch(`${running.origin}/health`);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });
});
