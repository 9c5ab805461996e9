import { isNodePeer } from '../arms/arm-kinds.js';
import type { Scenario } from '../scenario/scenario.js';
import type { ArmReport, TargetResult } from './report-types.js';

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

/**
 * Checks the scenario's targets on the arms that are judged: Ferry's arms and external ones
 * (baselines and peers are there for comparison). A target that cannot be checked (no
 * Node-floor arm for `minFloorRatio`, no samples) fails: it never passes silently.
 */
export function evaluateTargets(scenario: Scenario, arms: readonly ArmReport[]): TargetResult[] {
  const targets = scenario.targets;
  const results: TargetResult[] = [];
  const add = (
    target: string,
    arm: string | undefined,
    limit: number | boolean,
    actual: number | boolean | undefined,
    passed: boolean,
    message: string,
  ) => results.push({ target, arm, limit, actual, passed, message });

  add(
    'connections',
    undefined,
    targets.connections,
    scenario.connections,
    scenario.connections >= targets.connections,
    scenario.connections >= targets.connections
      ? `ran at ${scenario.connections} connections (target ${targets.connections})`
      : `ran at ${scenario.connections} connections, fewer than the target's ${targets.connections}`,
  );

  const judged = arms.filter((arm) => arm.role === 'ferry' || arm.role === 'external');
  if (judged.length === 0) {
    add('arms', undefined, true, false, false, 'no Ferry or external arm ran: nothing to judge');
  }
  const floor = arms.find((arm) => arm.name === 'node-floor');
  const peers = arms.filter((arm) => isNodePeer(arm.name));

  for (const arm of judged) {
    const summary = arm.summary;
    const p99 = summary.latency.p99?.median;
    add(
      'p99Ms',
      arm.name,
      targets.p99Ms,
      p99,
      p99 !== undefined && p99 < targets.p99Ms,
      p99 === undefined
        ? `${arm.name}: no successful request, p99 unknown`
        : `${arm.name}: p99 ${ms(p99)} ${p99 < targets.p99Ms ? '<' : '≥'} ${targets.p99Ms} ms`,
    );
    for (const field of ['errors', 'timeouts', 'non2xx'] as const) {
      const actual = summary[field];
      add(
        field,
        arm.name,
        targets[field],
        actual,
        actual <= targets[field],
        field === 'errors'
          ? `${arm.name}: ${actual} errors (connection errors + timeouts + non-2xx) in the worst round (allowed ${targets[field]})`
          : `${arm.name}: ${actual} ${field} in the worst round (allowed ${targets[field]})`,
      );
    }
    const throughputJudged = (targets.throughputArms ?? ['ferry-core']).includes(arm.name);
    if (targets.minFloorRatio !== undefined && throughputJudged) {
      const ratio = summary.vsFloor?.throughput?.median;
      add(
        'minFloorRatio',
        arm.name,
        targets.minFloorRatio,
        ratio,
        ratio !== undefined && ratio >= targets.minFloorRatio,
        floor === undefined
          ? `${arm.name}: no node-floor arm in the run to compare with`
          : `${arm.name}: ${ratio?.toFixed(3) ?? '?'}x the Node floor's requests/s (target ≥ ${targets.minFloorRatio}x)`,
      );
    }
    if (targets.beatPeers === true && throughputJudged) {
      const own = summary.requestsPerSecond?.median ?? 0;
      const best = peers.reduce<ArmReport | undefined>(
        (top, peer) =>
          (peer.summary.requestsPerSecond?.median ?? 0) > (top?.summary.requestsPerSecond?.median ?? -1)
            ? peer
            : top,
        undefined,
      );
      const bestRate = best?.summary.requestsPerSecond?.median ?? 0;
      add(
        'beatPeers',
        arm.name,
        true,
        best !== undefined && own > bestRate,
        best !== undefined && own > bestRate,
        best === undefined
          ? `${arm.name}: no Node peer arm in the run to compare with`
          : `${arm.name}: ${own.toFixed(0)} req/s vs best Node peer ${best.name} ${bestRate.toFixed(0)} req/s`,
      );
    }
    if (targets.overheadP99Ms !== undefined && arm.role === 'ferry') {
      const overhead = summary.overhead.probe?.p99?.median;
      add(
        'overheadP99Ms',
        arm.name,
        targets.overheadP99Ms,
        overhead,
        overhead !== undefined && overhead < targets.overheadP99Ms,
        overhead === undefined
          ? `${arm.name}: no Server-Timing samples at one connection (probe off?)`
          : `${arm.name}: overhead p99 ${ms(overhead)} at ${scenario.probe === false ? '?' : scenario.probe.connections} connection(s) (target < ${targets.overheadP99Ms} ms)`,
      );
    }
    if (targets.addedTtfbP99Ms !== undefined) {
      const single = summary.streams.find((stream) => stream.concurrency === 1);
      const addedP99 = single?.addedTtfb?.p99?.median;
      add(
        'addedTtfbP99Ms',
        arm.name,
        targets.addedTtfbP99Ms,
        addedP99,
        addedP99 !== undefined && addedP99 < targets.addedTtfbP99Ms,
        addedP99 === undefined
          ? `${arm.name}: no stream timing at 1 stream against direct (streams off or no direct arm?)`
          : `${arm.name}: added time to first byte p99 ${ms(addedP99)} at 1 stream (target < ${targets.addedTtfbP99Ms} ms)`,
      );
    }
  }
  return results;
}
