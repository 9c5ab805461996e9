import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openEventSocket } from './helpers/index.js';
import { getText, postJson } from './testing/http-client.js';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /ferry mock upstream listening on (http:\/\/\S+\/v1)\n/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`exited early: ${stderr}`)));
  });
  // Runs that are expected to exit never await `listening`; their rejection is not a failure.
  listening.catch(() => undefined);
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

describe('ferry-mock-upstream CLI', () => {
  it('serves with the given flags, records nothing by default and stops cleanly on SIGTERM', async () => {
    const run = runCli(['--port', '0', '--chunks', '2', '--content', 'from the cli']);
    const url = await run.listening;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const models = await getText(`${url}/models`);
    assert.equal(models.status, 200);
    const completion = await postJson(`${url}/chat/completions`, { model: 'm', messages: [] });
    assert.equal(JSON.parse(completion.text).choices[0].message.content, 'from the cli');
    assert.equal(JSON.parse(completion.text).usage.completion_tokens, 2);
    run.child.kill('SIGTERM');
    const [code, signal] = await run.exited;
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.equal(run.output().stdout.trim().split('\n').length, 1, 'prints exactly one line');
  });

  it('caps WebSockets at --ws-limit-ms', async () => {
    const run = runCli(['--port', '0', '--ws-limit-ms', '100']);
    const url = await run.listening;
    const socket = await openEventSocket(`${url.replace('http', 'ws')}/responses`);
    const error = (await socket.next('error')).error as Record<string, unknown>;
    assert.equal(error.code, 'websocket_connection_limit_reached');
    assert.equal((await socket.closed).code, 1000);
    run.child.kill('SIGTERM');
    assert.equal((await run.exited)[0], 0);
  });

  it('prints help', async () => {
    const run = runCli(['--help']);
    const [code] = await run.exited;
    assert.equal(code, 0);
    assert.match(run.output().stdout, /--chunk-interval-ms/);
    assert.match(run.output().stdout, /--no-record/);
    assert.match(run.output().stdout, /--ws-limit-ms/);
  });

  it('rejects a bad number with a non-zero exit', async () => {
    const run = runCli(['--port', 'abc']);
    const [code] = await run.exited;
    assert.equal(code, 1);
    assert.match(run.output().stderr, /--port needs a whole number/);
  });
});
