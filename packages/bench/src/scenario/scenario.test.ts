import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultTargets, defineScenario, loadScenarioFile, ScenarioError } from './scenario.js';
import { requestFor } from './workloads.js';

test('defaults are the mission: 1000 connections, P99 < 800 ms, no errors or timeouts, every arm', () => {
  const scenario = defineScenario();
  assert.equal(scenario.connections, 1000);
  assert.deepEqual(scenario.targets, defaultTargets);
  assert.equal(scenario.targets.p99Ms, 800);
  assert.equal(scenario.targets.errors, 0);
  assert.equal(scenario.targets.timeouts, 0);
  assert.ok(scenario.arms.includes('node-floor') && scenario.arms.includes('nginx'));
  assert.equal(scenario.mock.latencyMs, 50);
  assert.equal(scenario.roundWarmupSeconds, 1);
  assert.equal(scenario.streams === false ? undefined : scenario.streams.warmupStreams, 2);
});

test('a bad scenario is refused with every bad field named', () => {
  assert.throws(
    () =>
      defineScenario({
        connections: 0,
        rounds: 1.5,
        arms: ['direct', 'direct', 'squid' as never, { name: 'x', url: 'ftp://x' }],
        roundWarmupSeconds: -1,
        streams: { concurrency: [], warmupStreams: 0.5 },
      }),
    (error: unknown) => {
      assert.ok(error instanceof ScenarioError);
      for (const field of [
        'connections',
        'rounds',
        'arms[1]',
        'arms[2]',
        'arms[3].url',
        'roundWarmupSeconds',
        'streams.concurrency',
        'streams.warmupStreams',
      ]) {
        assert.match(error.message, new RegExp(`${field.replace(/[[\]]/g, '\\$&')}:`));
      }
      return true;
    },
  );
  assert.throws(() => defineScenario({ workload: 'images' as never }), /workload: unknown "images"/);
});

// The file format's own `${NAME}` syntax, kept out of template literals.
const environmentReference = ['$', '{BENCH_TEST_KEY}'].join('');

test('a JSON scenario file reads environment references and refuses a missing variable', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-bench-scenario-'));
  try {
    const path = join(directory, 'scenario.json');
    await writeFile(
      path,
      JSON.stringify({
        name: 'staging',
        arms: [
          {
            name: 'staging',
            url: 'https://gateway.example',
            headers: { authorization: `Bearer ${environmentReference}` },
          },
        ],
        connections: 50,
        targets: { p99Ms: 300 },
        streams: false,
      }),
    );
    process.env.BENCH_TEST_KEY = 'sk-test';
    const scenario = await loadScenarioFile(path);
    assert.deepEqual(scenario.arms, [
      { name: 'staging', url: 'https://gateway.example', headers: { authorization: 'Bearer sk-test' } },
    ]);
    assert.equal(scenario.targets.p99Ms, 300);
    assert.equal(scenario.targets.connections, 1000, 'targets keep their defaults');
    assert.equal(scenario.streams, false);
    delete process.env.BENCH_TEST_KEY;
    await assert.rejects(loadScenarioFile(path), /environment variable BENCH_TEST_KEY is not set/);
    await writeFile(path, '{ not json');
    await assert.rejects(loadScenarioFile(path), /is not valid JSON/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('workloads build the OpenAI requests, custom ones as given', () => {
  const chat = requestFor({ name: 'chat' }, { authorization: 'Bearer k' });
  assert.equal(chat.path, '/v1/chat/completions');
  assert.equal(chat.headers.authorization, 'Bearer k');
  assert.equal(JSON.parse(chat.body ?? '').stream, undefined);
  assert.equal(JSON.parse(requestFor({ name: 'chat-stream' }).body ?? '').stream, true);
  assert.equal(requestFor({ name: 'embeddings' }).path, '/v1/embeddings');
  const custom = requestFor({ name: 'models', method: 'GET', path: '/v1/models' });
  assert.deepEqual(custom, { method: 'GET', path: '/v1/models', headers: {}, body: undefined });
});
