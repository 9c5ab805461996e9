import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineScenario } from '../scenario/scenario.js';
import type { ArmReport, ArmSummary } from './report-types.js';
import { evaluateTargets } from './targets.js';

const spreadOf = (value: number) => ({ median: value, min: value, max: value });

function arm(
  name: string,
  role: ArmReport['role'],
  rate: number,
  p99: number,
  extra: Partial<ArmSummary> = {},
): ArmReport {
  const summary: ArmSummary = {
    requestsPerSecond: spreadOf(rate),
    latency: {
      p50: spreadOf(p99 / 2),
      p90: spreadOf(p99 / 1.5),
      p99: spreadOf(p99),
      p99_9: spreadOf(p99),
      max: spreadOf(p99),
    },
    curve: [],
    firstRequest: { p50: undefined, p99: undefined, max: undefined },
    errors: 0,
    connectionErrors: 0,
    timeouts: 0,
    non2xx: 0,
    littlesLaw: { busyRatio: spreadOf(1), failedRounds: [], message: 'busy 1.00' },
    probeLittlesLaw: undefined,
    cpuPercent: undefined,
    maxRssBytes: undefined,
    overhead: { load: undefined, probe: undefined },
    probeLatency: undefined,
    probeAdded: undefined,
    streams: [],
    vsDirect: undefined,
    vsFloor: undefined,
    ...extra,
  };
  return { name, role, description: name, rounds: [], summary };
}

test('targets judge Ferry and external arms only, and name what failed', () => {
  const scenario = defineScenario({ connections: 1000 });
  const results = evaluateTargets(scenario, [
    arm('direct', 'baseline', 10_000, 2_000, { errors: 5 }),
    // Timeouts are failed requests: they count in `errors` too.
    arm('ferry-core', 'ferry', 9_000, 900, { errors: 2, timeouts: 2 }),
    arm('mine', 'external', 9_000, 100),
  ]);
  assert.ok(results.every((result) => result.arm !== 'direct'));
  const failed = results.filter((result) => !result.passed);
  assert.deepEqual(
    failed.map((result) => [result.target, result.arm]),
    [
      ['p99Ms', 'ferry-core'],
      ['errors', 'ferry-core'],
      ['timeouts', 'ferry-core'],
    ],
  );
  assert.equal(
    failed[1]?.message,
    'ferry-core: 2 errors (connection errors + timeouts + non-2xx) in the worst round (allowed 0)',
  );
  assert.equal(failed[0]?.message, 'ferry-core: p99 900.0 ms ≥ 800 ms');
  assert.equal(results.find((result) => result.target === 'connections')?.passed, true);
});

test('a run below the target connections fails the connections target', () => {
  const results = evaluateTargets(defineScenario({ connections: 10 }), [arm('ferry-core', 'ferry', 100, 10)]);
  const connections = results.find((result) => result.target === 'connections');
  assert.equal(connections?.passed, false);
  assert.match(connections?.message ?? '', /fewer than the target's 1000/);
});

test('optional targets: floor ratio, peers, overhead, added TTFB; unverifiable ones fail', () => {
  const scenario = defineScenario({
    targets: { minFloorRatio: 1, beatPeers: true, overheadP99Ms: 1, addedTtfbP99Ms: 2 },
  });
  const ferry = arm('ferry-core', 'ferry', 9_500, 100, {
    vsFloor: { throughput: spreadOf(1.02), p99: spreadOf(0.9) },
    overhead: {
      load: undefined,
      probe: { p50: spreadOf(0.05), p90: undefined, p99: spreadOf(0.2), p99_9: undefined, max: undefined },
    },
    streams: [
      {
        concurrency: 1,
        streams: 10,
        errors: 0,
        ttfb: { p50: spreadOf(51), p99: spreadOf(55) },
        gap: { p50: spreadOf(10), p99: spreadOf(11) },
        overhead: { p50: spreadOf(0.1), p99: spreadOf(0.2) },
        addedTtfb: { p50: spreadOf(0.3), p99: spreadOf(2.5) },
      },
    ],
  });
  const results = evaluateTargets(scenario, [
    arm('node-floor', 'baseline', 9_300, 100),
    ferry,
    arm('http-proxy-middleware', 'peer', 9_600, 100),
    arm('nginx', 'peer', 20_000, 100),
  ]);
  const byTarget = new Map(results.map((result) => [result.target, result]));
  assert.equal(byTarget.get('minFloorRatio')?.passed, true);
  assert.equal(byTarget.get('beatPeers')?.passed, false, 'nginx is not a Node peer; hpm is ahead');
  assert.match(byTarget.get('beatPeers')?.message ?? '', /best Node peer http-proxy-middleware 9600/);
  assert.equal(byTarget.get('overheadP99Ms')?.passed, true);
  assert.equal(byTarget.get('addedTtfbP99Ms')?.passed, false);

  const alone = evaluateTargets(scenario, [arm('ferry-core', 'ferry', 9_500, 100)]);
  for (const target of ['minFloorRatio', 'beatPeers', 'overheadP99Ms', 'addedTtfbP99Ms']) {
    assert.equal(alone.find((result) => result.target === target)?.passed, false, target);
  }
});

test('throughput targets judge the passthrough arm unless told otherwise', () => {
  const arms = [
    arm('node-floor', 'baseline', 9_300, 100),
    arm('ferry-core', 'ferry', 9_500, 100, { vsFloor: { throughput: spreadOf(1.02), p99: spreadOf(0.9) } }),
    arm('ferry-express', 'ferry', 6_000, 100, {
      vsFloor: { throughput: spreadOf(0.65), p99: spreadOf(1.2) },
    }),
  ];
  const judgedArms = (scenario: ReturnType<typeof defineScenario>) =>
    evaluateTargets(scenario, arms)
      .filter((result) => result.target === 'minFloorRatio')
      .map((result) => [result.arm, result.passed]);
  assert.deepEqual(judgedArms(defineScenario({ targets: { minFloorRatio: 1 } })), [['ferry-core', true]]);
  assert.deepEqual(
    judgedArms(
      defineScenario({ targets: { minFloorRatio: 1, throughputArms: ['ferry-core', 'ferry-express'] } }),
    ),
    [
      ['ferry-core', true],
      ['ferry-express', false],
    ],
  );
});

test('a run with nothing to judge fails', () => {
  const results = evaluateTargets(defineScenario(), [arm('direct', 'baseline', 100, 10)]);
  assert.equal(results.find((result) => result.target === 'arms')?.passed, false);
});
