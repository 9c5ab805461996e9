import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRampCli } from './ramp-options.js';
import { urlShape } from './run-ramp.js';

test('defaults: the issue’s levels, 10 s each, p99 < 800 ms', async () => {
  const request = await parseRampCli(['--arm', 'ferry-core']);
  assert.ok(!request.help);
  assert.deepEqual(request.plan.levels, [10, 50, 100, 250, 500, 1000, 2000]);
  assert.equal(request.plan.durationSeconds, 10);
  assert.equal(request.plan.sloP99Ms, 800);
  assert.deepEqual(request.plan.subject, { arm: 'ferry-core', workload: { name: 'chat' } });
});

test('--url with a method, a body file and headers becomes the exact request', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-ramp-options-'));
  try {
    const bodyFile = join(directory, 'chat.json');
    await writeFile(bodyFile, '{"model":"gpt-4o-mini","messages":[]}');
    const request = await parseRampCli([
      '--url',
      'https://gateway.example/prefix/v1/chat/completions?trace=1',
      '--body-file',
      bodyFile,
      '--header',
      'Authorization: Bearer sk-live',
      '--levels',
      '1,5',
      '--duration',
      '2',
      '--slo-p99-ms',
      '1500',
      '--warmup',
      '0',
    ]);
    assert.ok(!request.help);
    assert.deepEqual(request.plan.levels, [1, 5]);
    assert.equal(request.plan.warmupSeconds, 0);
    assert.equal(request.plan.sloP99Ms, 1500);
    const subject = request.plan.subject;
    assert.ok('url' in subject);
    const { origin, shape } = urlShape(subject);
    assert.equal(origin, 'https://gateway.example');
    assert.deepEqual(shape, {
      method: 'POST',
      path: '/prefix/v1/chat/completions?trace=1',
      headers: { authorization: 'Bearer sk-live', 'content-type': 'application/json' },
      body: '{"model":"gpt-4o-mini","messages":[]}',
    });
    assert.equal(urlShape({ url: 'http://127.0.0.1:9/health' }).shape.method, 'GET');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('conflicting or bad flags are named', async () => {
  const rejects = (args: string[], message: RegExp) => assert.rejects(parseRampCli(args), message);
  await rejects([], /give --arm NAME or --url URL/);
  await rejects(['--arm', 'direct', '--url', 'http://x'], /--arm and --url: give one of them/);
  await rejects(['--arm', 'squid'], /--arm: unknown arm "squid"/);
  await rejects(['--arm', 'direct', '--body', '{}'], /--body goes with --url, not --arm/);
  await rejects(['--url', 'http://x', '--workload', 'chat'], /--workload goes with --arm/);
  await rejects(['--url', 'not a url'], /--url: "not a url" is not a URL/);
  await rejects(['--url', 'http://x', '--levels', '10,5'], /--levels: 10,5 must rise/);
  await rejects(['--url', 'http://x', '--levels', '1,2.5'], /--levels: "2.5" is not a whole number/);
  await rejects(['--url', 'http://x', '--timeout', '0.5'], /--timeout: "0.5" is not a number ≥ 1/);
  await rejects(['--url', 'http://x', '--header', 'nocolon'], /--header: "nocolon"/);
  await rejects(['--url', 'http://x', '--body', 'a', '--body-file', 'b'], /--body and --body-file/);
  assert.deepEqual(await parseRampCli(['--help']), { help: true });
});
