import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type FerryProcess, listeningUrl, spawnFerry, waitFor } from './test-spawn-ferry.js';

const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hello' }];
const content = 'Ferry on plain node:http: 你好，世界！';
// The mock answers with the text of this header, so the expected answer is known here.
const contentHeader = { 'x-mock-content': encodeURIComponent(content) };

/** `${NAME}` as a config file writes it. */
const reference = (name: string) => `\${${name}}`;

const directory = mkdtempSync(join(tmpdir(), 'ferry-cli-test-'));
after(() => rmSync(directory, { recursive: true, force: true }));
const configFile = (name: string, text: string) => {
  writeFileSync(join(directory, name), text);
  return join(directory, name);
};

/** Starts `ferry` on a free port; the test body runs with it, and it is killed if still running. */
async function withFerry(
  env: NodeJS.ProcessEnv,
  body: (ferry: FerryProcess, url: string) => Promise<void>,
  args: string[] = [],
) {
  const ferry = spawnFerry(['--port', '0', ...args], env, directory);
  try {
    await body(ferry, await listeningUrl(ferry));
  } finally {
    ferry.child.kill('SIGKILL');
  }
}

async function readAll(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

describe('the ferry command', () => {
  it('serves the openai client through the bundled mock, with metrics and a log line per request', async () => {
    await withFerry({}, async (ferry, url) => {
      assert.match(ferry.stdout(), /started the mock upstream in-process/);
      const client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
      const completion = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages },
        { headers: contentHeader },
      );
      assert.equal(completion.choices[0]?.message.content, content);
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages, stream: true },
        { headers: contentHeader },
      );
      assert.equal(await readAll(stream), content);

      const metrics = await fetch(`${url}/ferry/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(
        await metrics.text(),
        /^ferry_requests_total\{route="chat\.completions",method="POST",status="200",upstream="mock"\} 2$/m,
      );
      const health = await fetch(new URL('/health', url));
      assert.deepEqual(await health.json(), { status: 'ok' });

      const requestLines = () =>
        ferry
          .stdout()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { level: number; msg: string; route?: string; status?: number })
          .filter((line) => line.msg === 'request' && line.route === 'chat.completions');
      // The default logger buffers its lines and flushes them every second.
      const lines = await waitFor(() => (requestLines().length >= 2 ? requestLines() : undefined), 3_000);
      assert.equal(lines.length, 2);
      assert.ok(lines.every((line) => line.level === 30 && line.status === 200));
    });
  });

  it('reads --config, relative to where it runs, and --host', async () => {
    const file = configFile('keys.json', JSON.stringify({ clientKeys: [reference('CLI_TEST_KEY')] }));
    const env = { CLI_TEST_KEY: 'sk-cli-test', FERRY_CONFIG: join(directory, 'missing.json') };
    const args = ['--config', file.slice(directory.length + 1), '--host', '127.0.0.1'];
    await withFerry(
      env,
      async (_ferry, url) => {
        const stranger = new OpenAI({ baseURL: url, apiKey: 'sk-someone-else', maxRetries: 0 });
        await assert.rejects(stranger.models.list(), OpenAI.AuthenticationError);
        const client = new OpenAI({ baseURL: url, apiKey: 'sk-cli-test', maxRetries: 0 });
        assert.ok((await client.models.list()).data.length > 0);
      },
      args,
    );
  });

  it('prints its help and exits 0', async () => {
    const ferry = spawnFerry(['--help']);
    assert.deepEqual(await ferry.exited, [0, null]);
    assert.match(ferry.stdout(), /^Usage: ferry \[options\]/);
    assert.match(ferry.stdout(), /FERRY_SHUTDOWN_GRACE_MS/);
  });

  it('exits 2 with one line, never a stack, when the configuration is wrong', async () => {
    const cases: Array<{ args?: string[]; env?: NodeJS.ProcessEnv; names: RegExp }> = [
      { env: { FERRY_CONFIG: configFile('wrong.json', '{"idleTimeoutMs":"soon"}') }, names: /idleTimeoutMs/ },
      { env: { FERRY_CONFIG: configFile('broken.json', '{\n  "upstream": }') }, names: /line 2, column 15/ },
      {
        args: [
          '--config',
          configFile('secret.json', JSON.stringify({ clientKeys: [reference('CLI_UNSET_KEY')] })),
        ],
        names: /CLI_UNSET_KEY\} is not set/,
      },
      { env: { FERRY_UPSTREAM_URL: 'not a url' }, names: /upstream\.url/ },
      { env: { PORT: 'eighty' }, names: /PORT must be a port number, not "eighty"/ },
      { env: { FERRY_SHUTDOWN_GRACE_MS: 'soon' }, names: /FERRY_SHUTDOWN_GRACE_MS/ },
      { args: ['--bogus'], names: /unknown option --bogus/ },
    ];
    for (const { args = [], env = {}, names } of cases) {
      const ferry = spawnFerry(args, env);
      assert.deepEqual(await ferry.exited, [2, null], ferry.stderr());
      const lines = ferry.stderr().trimEnd().split('\n');
      assert.equal(lines.length, 1, ferry.stderr());
      assert.match(lines[0] ?? '', /^Ferry did not start: /);
      assert.match(lines[0] ?? '', names);
      assert.doesNotMatch(ferry.stderr(), /\bat .+:\d+:\d+/, 'a stack trace was printed');
    }
  });
});

describe('the ferry command on SIGTERM', () => {
  it('lets an in-flight stream finish, then exits 0', async () => {
    await withFerry({}, async (ferry, url) => {
      const client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages, stream: true },
        { headers: { ...contentHeader, 'x-mock-chunks': '8', 'x-mock-chunk-interval-ms': '40' } },
      );
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      let text = first.done ? '' : (first.value.choices[0]?.delta.content ?? '');
      ferry.child.kill('SIGTERM');
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        text += next.value.choices[0]?.delta.content ?? '';
      }
      assert.equal(text, content);
      assert.deepEqual(await ferry.exited, [0, null]);
      assert.match(ferry.stdout(), /SIGTERM: finishing in-flight requests/);
    });
  });

  it('cuts a stream still running after FERRY_SHUTDOWN_GRACE_MS, then exits 0', async () => {
    await withFerry({ FERRY_SHUTDOWN_GRACE_MS: '200' }, async (ferry, url) => {
      const client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
      // 1000 chunks 20 ms apart: 20 s, far longer than the grace period.
      const stream = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages, stream: true },
        { headers: { 'x-mock-chunks': '1000', 'x-mock-chunk-interval-ms': '20' } },
      );
      const iterator = stream[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      const signalled = performance.now();
      ferry.child.kill('SIGTERM');
      await assert.rejects(async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next());
      });
      assert.deepEqual(await ferry.exited, [0, null]);
      // Far from either bound: the default grace (10 s) or the stream's own end (20 s).
      assert.ok(performance.now() - signalled < 5_000, 'cut after the configured grace period');
    });
  });
});
