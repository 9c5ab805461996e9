import { loadavg } from 'node:os';
import type { ArmKind } from '../arms/arm-kinds.js';
import { startNginx } from '../arms/nginx.js';
import { describeTopology, pinSelf, planTopology } from '../arms/pinning.js';
import type { RunningArm } from '../arms/running-arm.js';
import { spawnArm } from '../arms/spawn-arm.js';
import { runLoad } from '../load/run-load.js';
import type { ProgressListener } from '../progress.js';
import { machineInfo } from '../run-bench.js';
import { defineScenario, type MockSettings } from '../scenario/scenario.js';
import { type RequestShape, requestFor, type Workload } from '../scenario/workloads.js';
import type { RampLevel, RampReport, RampTarget } from './ramp-types.js';
import { findKnee, judgeLevel, largestMeetingSlo, shouldStop } from './slo.js';

/** What to ramp against: one of the bench's arms (started as the bench starts it), or a URL. */
export type RampSubject =
  | { arm: ArmKind; workload?: Workload; mock?: Partial<MockSettings> }
  | {
      /** The complete URL each request goes to, path and query included. */
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
    };

/** A ramp: connection levels, each measured for `durationSeconds`, judged against the SLO. */
export interface RampPlan {
  subject: RampSubject;
  /** Ascending connection counts, e.g. [10, 50, 100, 250, 500, 1000, 2000]. */
  levels: number[];
  durationSeconds: number;
  timeoutSeconds: number;
  /** Unmeasured load at the first level before it (JIT, pools, connections). */
  warmupSeconds: number;
  sloP99Ms: number;
  /** Pin the arms and the load generator apart with `taskset` (arms only). */
  pin: boolean;
}

/** The defaults of `ferry-bench ramp`. */
export const rampDefaults = {
  levels: [10, 50, 100, 250, 500, 1000, 2000],
  durationSeconds: 10,
  timeoutSeconds: 10,
  warmupSeconds: 1,
  sloP99Ms: 800,
} as const;

interface Started {
  arm: RunningArm;
  shape: RequestShape;
  target: RampTarget;
  stop(): Promise<void>;
}

/** The request shape of a URL subject: autocannon wants the origin and the path apart. */
export function urlShape(subject: Extract<RampSubject, { url: string }>): {
  origin: string;
  shape: RequestShape;
} {
  const url = new URL(subject.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(subject.headers ?? {})) headers[name.toLowerCase()] = value;
  if (subject.body !== undefined && headers['content-type'] === undefined) {
    headers['content-type'] = 'application/json';
  }
  const method = (subject.method ?? (subject.body === undefined ? 'GET' : 'POST')).toUpperCase();
  return {
    origin: url.origin,
    shape: { method, path: `${url.pathname}${url.search}`, headers, body: subject.body },
  };
}

async function start(subject: RampSubject, topology: ReturnType<typeof planTopology>): Promise<Started> {
  if ('url' in subject) {
    const { origin, shape } = urlShape(subject);
    const arm: RunningArm = {
      name: 'target',
      role: 'external',
      url: origin,
      headers: shape.headers,
      usage: async () => undefined,
      stop: async () => {},
    };
    const target: RampTarget = {
      kind: 'url',
      url: `${origin}${shape.path}`,
      method: shape.method,
      headerNames: Object.keys(shape.headers),
      bodyBytes: shape.body === undefined ? 0 : Buffer.byteLength(shape.body),
    };
    return { arm, shape, target, stop: async () => {} };
  }
  const mockSettings = { ...defineScenario({}).mock, ...subject.mock };
  const mockStart = await spawnArm(
    { kind: 'direct', upstreamUrl: '', ...mockSettings },
    { cores: topology.mockCores, pinned: topology.pinned },
  );
  if ('skipped' in mockStart) throw new Error(`the mock upstream did not start: ${mockStart.skipped.reason}`);
  const mock = mockStart.running;
  let arm = mock;
  if (subject.arm !== 'direct') {
    const upstreamUrl = `${mock.url}/v1`;
    const placement = { cores: topology.systemCores, pinned: topology.pinned };
    const started =
      subject.arm === 'nginx'
        ? await startNginx(upstreamUrl, placement)
        : await spawnArm({ kind: subject.arm, upstreamUrl, ...mockSettings }, placement);
    if ('skipped' in started) {
      await mock.stop();
      throw new Error(`${subject.arm} did not start: ${started.skipped.reason}`);
    }
    arm = started.running;
  }
  const workload = subject.workload ?? { name: 'chat' };
  return {
    arm,
    shape: requestFor(workload, arm.headers),
    target: { kind: 'arm', arm: subject.arm, workload: workload.name },
    stop: async () => {
      if (arm !== mock) await arm.stop();
      await mock.stop();
    },
  };
}

/**
 * Steps the connection count up level by level against an arm or a URL, judges each level
 * against the SLO (P99 over every request below `sloP99Ms`, zero failed requests, Little's
 * law holding), stops after two consecutive failing levels, and reports the largest level
 * that met the SLO and the knee of the curve. It never throws for a failing level.
 *
 * @example
 * const report = await runRamp({ ...rampDefaults, levels: [10, 50, 100],
 *   subject: { url: 'https://gateway.example/v1/models' }, pin: false });
 * console.log(report.largestMeetingSlo);
 */
export async function runRamp(
  plan: RampPlan,
  options: { onProgress?: ProgressListener; log?: (line: string) => void } = {},
): Promise<RampReport> {
  const progress = options.onProgress ?? (() => {});
  const startedAt = new Date();
  const startLoad = loadavg()[0] ?? 0;
  const topology = planTopology(plan.pin && 'arm' in plan.subject);
  options.log?.(describeTopology(topology));
  const started = await start(plan.subject, topology);
  const restoreAffinity = topology.pinned ? pinSelf(topology.generatorCores) : () => {};
  const { arm, shape } = started;
  const levels: RampLevel[] = [];
  try {
    const phase = (connections: number, durationSeconds: number, stage: string) =>
      runLoad(arm.url, shape, {
        connections,
        durationSeconds,
        timeoutSeconds: plan.timeoutSeconds,
        signing: arm.signing,
        onTick: (responses) => progress({ stage, arm: arm.name, phase: `${connections}c`, responses }),
      });
    const first = plan.levels[0];
    if (plan.warmupSeconds > 0 && first !== undefined) {
      progress({ stage: 'warm-up', arm: arm.name, phase: `${first}c` });
      await phase(first, plan.warmupSeconds, 'warm-up');
    }
    for (const [index, connections] of plan.levels.entries()) {
      const stage = `ramp ${index + 1}/${plan.levels.length}`;
      progress({ stage, arm: arm.name, phase: `${connections}c` });
      const level = judgeLevel(await phase(connections, plan.durationSeconds, stage), {
        p99Ms: plan.sloP99Ms,
        errors: 0,
      });
      levels.push(level);
      options.log?.(
        `${connections} connections: ${level.passed ? 'meets the SLO' : level.failures.join('; ')}`,
      );
      if (shouldStop(levels)) break;
    }
  } finally {
    restoreAffinity();
    await started.stop();
  }
  const largest = largestMeetingSlo(levels);
  const notes: string[] = [];
  if (largest.note !== undefined) notes.push(largest.note);
  const notRun = plan.levels.slice(levels.length);
  if (notRun.length > 0)
    notes.push(`stopped after two failing levels in a row: ${notRun.join(', ')} not run`);
  return {
    tool: '@ferry/bench',
    kind: 'ramp',
    version: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    target: started.target,
    slo: { p99Ms: plan.sloP99Ms, errors: 0 },
    levelsPlanned: [...plan.levels],
    durationSeconds: plan.durationSeconds,
    timeoutSeconds: plan.timeoutSeconds,
    warmupSeconds: plan.warmupSeconds,
    machine: machineInfo(startLoad),
    topology,
    levels,
    notRun,
    largestMeetingSlo: largest.connections,
    knee: findKnee(levels),
    notes,
  };
}
