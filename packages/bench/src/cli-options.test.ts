import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCli } from './cli-options.js';

test('--quick shrinks the run and judges at its own load', async () => {
  const { scenario } = await parseCli(['--quick']);
  assert.equal(scenario.connections, 10);
  assert.equal(scenario.targets.connections, 10);
  assert.ok(scenario.durationSeconds <= 2);
  assert.equal(scenario.targets.p99Ms, 800);
});

test('--url measures an external deployment with its headers, alone unless arms are named', async () => {
  const { scenario } = await parseCli([
    '--url',
    'https://gateway.example/',
    '--header',
    'Authorization: Bearer sk-live',
    '--connections',
    '200',
    '--target-p99-ms',
    '500',
  ]);
  assert.deepEqual(scenario.arms, [
    { name: 'target', url: 'https://gateway.example/', headers: { authorization: 'Bearer sk-live' } },
  ]);
  assert.equal(scenario.connections, 200);
  assert.equal(scenario.targets.p99Ms, 500);
  assert.equal(scenario.targets.connections, 1000, 'the mission target stays unless changed');
  const both = await parseCli(['--arms', 'direct', '--url', 'http://127.0.0.1:9']);
  assert.deepEqual(
    both.scenario.arms.map((arm) => (typeof arm === 'string' ? arm : arm.name)),
    ['direct', 'target'],
  );
});

test('flags override, and bad values are named', async () => {
  const { scenario } = await parseCli([
    '--arms',
    'direct,ferry-core',
    '--streams',
    '1,50',
    '--no-probe',
    '--latency-ms',
    '20',
    '--target-beat-peers',
    '--target-floor-ratio',
    '1',
  ]);
  assert.deepEqual(scenario.arms, ['direct', 'ferry-core']);
  assert.deepEqual(scenario.streams !== false && scenario.streams.concurrency, [1, 50]);
  assert.equal(scenario.probe, false);
  assert.equal(scenario.mock.latencyMs, 20);
  assert.equal(scenario.targets.beatPeers, true);
  assert.equal(scenario.targets.minFloorRatio, 1);
  await assert.rejects(parseCli(['--arms', 'squid']), /arms\[0\]: unknown arm "squid"/);
  await assert.rejects(parseCli(['--header', 'no-colon', '--url', 'http://x']), /--header: "no-colon"/);
  await assert.rejects(parseCli(['--bogus']), /Unknown option '--bogus'/);
});
