import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RampReport } from './ramp-types.js';

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A server that answers one request at a time, each after 60 ms: at one connection a request
 * takes 60 ms; at five, each waits for the other four (about 300 ms) at the same throughput.
 * The SLO of the test (250 ms) sits far from both, so a loaded machine does not move the verdict.
 */
async function oneAtATime(): Promise<{ url: string; close(): Promise<void> }> {
  const queue: ServerResponse[] = [];
  let busy = false;
  const next = () => {
    if (busy) return;
    const response = queue.shift();
    if (response === undefined) return;
    busy = true;
    setTimeout(() => {
      response.end('{"ok":true}');
      busy = false;
      next();
    }, 60);
  };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      queue.push(response);
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('ramp against a local server: per-level figures, the largest level meeting the SLO, the knee, every report', async () => {
  const server = await oneAtATime();
  const out = await mkdtemp(join(tmpdir(), 'ferry-ramp-test-'));
  try {
    const { code, stdout, stderr } = await runCli([
      'ramp',
      '--url',
      server.url,
      '--body',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}',
      '--header',
      'Authorization: Bearer sk-ramp-secret',
      '--levels',
      '1,5',
      '--duration',
      '1',
      '--warmup',
      '1',
      '--slo-p99-ms',
      '250',
      '--out',
      out,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /largest level meeting the SLO: 1$/m);
    assert.match(stdout, /knee: 1 connections/);

    const report = JSON.parse(await readFile(join(out, 'ramp.json'), 'utf8')) as RampReport;
    assert.equal(report.kind, 'ramp');
    assert.deepEqual(
      report.levels.map((level) => [level.connections, level.passed]),
      [
        [1, true],
        [5, false],
      ],
    );
    const [one, five] = report.levels;
    assert.ok((one?.load.latency?.p99 ?? 1e9) < 250, `p99 at 1: ${one?.load.latency?.p99}`);
    assert.ok((five?.load.latency?.p99 ?? 0) >= 250, `p99 at 5: ${five?.load.latency?.p99}`);
    assert.match(five?.failures[0] ?? '', /^p99 [\d.]+ ms ≥ 250 ms$/);
    for (const level of report.levels) {
      assert.equal(level.load.errors, 0);
      assert.equal(level.load.latency?.count, level.load.autocannon.count, 'every request counted');
      assert.equal(level.load.littlesLaw.holds, true, level.load.littlesLaw.message);
    }
    assert.equal(report.largestMeetingSlo, 1);
    assert.equal(report.knee, 1);
    assert.deepEqual(report.target, {
      kind: 'url',
      url: server.url,
      method: 'POST',
      headerNames: ['authorization', 'content-type'],
      bodyBytes: 67,
    });

    const html = await readFile(join(out, 'ramp.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<line class="slo"/);
    assert.match(html, /<line class="knee"/);
    assert.match(html, /largest level meeting the SLO: 1/);
    assert.doesNotMatch(html, /<script|<link|src="http|href="http|@import/, 'self-contained');
    const markdown = await readFile(join(out, 'ramp.md'), 'utf8');
    assert.match(markdown, /^# Ferry ramp — largest level meeting the SLO: 1/);
    assert.match(markdown, /\| 5 \| [\d.]+ \|.*\| FAIL \| p99 /);
    for (const file of ['ramp.json', 'ramp.md', 'ramp.html', 'ramp.svg']) {
      assert.doesNotMatch(await readFile(join(out, file), 'utf8'), /sk-ramp-secret/, `${file} holds no key`);
    }
  } finally {
    await server.close();
    await rm(out, { recursive: true, force: true });
  }
});

test('a bad ramp option exits 2 with the ramp usage', async () => {
  const { code, stderr } = await runCli(['ramp', '--levels', '5,1', '--url', 'http://127.0.0.1:9']);
  assert.equal(code, 2);
  assert.match(stderr, /--levels: 5,1 must rise/);
  assert.match(stderr, /Usage: ferry-bench ramp/);
});
