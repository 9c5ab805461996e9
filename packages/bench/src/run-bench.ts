import { cpus, loadavg, release, totalmem } from 'node:os';
import { type ArmKind, armDescriptions } from './arms/arm-kinds.js';
import { startNginx } from './arms/nginx.js';
import { describeTopology, pinSelf, planTopology } from './arms/pinning.js';
import type { ProcessUsage } from './arms/process-usage.js';
import type { ArmStart, RunningArm, SkippedArm } from './arms/running-arm.js';
import { spawnArm } from './arms/spawn-arm.js';
import { runLoad } from './load/run-load.js';
import type { ProgressListener } from './progress.js';
import type { ArmReport, BenchReport, MachineInfo, RoundResult } from './report/report-types.js';
import { summarizeArm } from './report/summarize.js';
import { evaluateTargets } from './report/targets.js';
import { comparabilityWarnings } from './report/warnings.js';
import type { Scenario } from './scenario/scenario.js';
import { requestFor, streamRequest } from './scenario/workloads.js';
import { measureStreams } from './streams/sse-timing.js';

/** Hooks into a run. */
export interface RunOptions {
  onProgress?: ProgressListener;
  /** Lines meant for a person: skipped arms, the topology. Defaults to nothing. */
  log?: (line: string) => void;
}

/**
 * Runs a scenario: starts the arms (each in its own process, pinned where possible), warms
 * each up, measures them in interleaved rounds, stops them, and returns the report with its
 * targets evaluated. It never throws for a failing target: check `report.passed`.
 *
 * @example
 * const report = await runBench(defineScenario({ arms: ['direct', 'node-floor', 'ferry-core'] }));
 * if (!report.passed) process.exitCode = 1;
 */
export async function runBench(scenario: Scenario, options: RunOptions = {}): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const progress = options.onProgress ?? (() => {});
  const startedAt = new Date();
  const startLoad = loadavg()[0] ?? 0;
  const local = scenario.arms.filter((arm): arm is ArmKind => typeof arm === 'string');
  const topology = planTopology(scenario.pin && local.length > 0);
  log(describeTopology(topology));

  const running: RunningArm[] = [];
  const skipped: SkippedArm[] = [];
  let mock: RunningArm | undefined;
  let restoreAffinity = () => {};
  try {
    if (local.length > 0) {
      const started = await spawnArm(
        { kind: 'direct', upstreamUrl: '', ...scenario.mock },
        {
          cores: topology.mockCores,
          pinned: topology.pinned,
          profileDirectory: profileFor(scenario, 'direct'),
        },
      );
      if ('skipped' in started) throw new Error(`the mock upstream did not start: ${started.skipped.reason}`);
      mock = started.running;
    }
    for (const arm of scenario.arms) {
      if (typeof arm !== 'string') {
        running.push({
          name: arm.name,
          role: 'external',
          url: arm.url.replace(/\/+$/, ''),
          headers: arm.headers ?? {},
          usage: async () => undefined,
          stop: async () => {},
        });
        continue;
      }
      if (arm === 'direct') {
        running.push(mock as RunningArm);
        continue;
      }
      const upstreamUrl = `${(mock as RunningArm).url}/v1`;
      const placement = { cores: topology.systemCores, pinned: topology.pinned };
      const started: ArmStart =
        arm === 'nginx'
          ? await startNginx(upstreamUrl, placement)
          : await spawnArm(
              { kind: arm, upstreamUrl, ...scenario.mock },
              { ...placement, profileDirectory: profileFor(scenario, arm) },
            );
      if ('skipped' in started) {
        skipped.push(started.skipped);
        log(`skipped: ${started.skipped.name}: ${started.skipped.reason}`);
      } else {
        running.push(started.running);
      }
    }
    if (topology.pinned) restoreAffinity = pinSelf(topology.generatorCores);

    const rounds = new Map<string, RoundResult[]>(running.map((arm) => [arm.name, []]));
    if (scenario.warmupSeconds > 0) {
      for (const arm of running) await warmUp(scenario, arm, scenario.warmupSeconds, 'warm-up', progress);
    }
    for (let round = 1; round <= scenario.rounds; round++) {
      const stage = `round ${round}/${scenario.rounds}`;
      for (const arm of running) {
        (rounds.get(arm.name) as RoundResult[]).push(
          await measureRound(scenario, arm, round, stage, progress),
        );
      }
    }
    restoreAffinity();
    restoreAffinity = () => {};

    const direct = running.find((arm) => arm.name === 'direct');
    const floor = running.find((arm) => arm.name === 'node-floor');
    const baselines = {
      direct: direct === undefined ? undefined : rounds.get(direct.name),
      floor: floor === undefined ? undefined : rounds.get(floor.name),
    };
    const arms: ArmReport[] = running.map((arm) => ({
      name: arm.name,
      role: arm.role,
      description:
        arm.role === 'external' ? `external: ${arm.url}` : (armDescriptions[arm.name as ArmKind] ?? arm.name),
      rounds: rounds.get(arm.name) as RoundResult[],
      summary: summarizeArm(rounds.get(arm.name) as RoundResult[], baselines, arm === direct),
    }));
    const targets = evaluateTargets(scenario, arms);
    const warnings = comparabilityWarnings(arms);
    for (const warning of warnings) log(`warning: ${warning}`);
    return {
      tool: '@ferry/bench',
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      scenario: withoutSecrets(scenario),
      machine: machineInfo(startLoad),
      topology,
      arms,
      skipped,
      targets,
      warnings,
      passed: targets.every((target) => target.passed),
    };
  } finally {
    restoreAffinity();
    const stops = running.filter((arm) => arm !== mock).map((arm) => arm.stop());
    await Promise.all(stops);
    await mock?.stop();
  }
}

/** Unmeasured load at the scenario's connections: JIT, pools, connections, heap sizes. */
async function warmUp(
  scenario: Scenario,
  arm: RunningArm,
  durationSeconds: number,
  stage: string,
  progress: ProgressListener,
): Promise<void> {
  const phase = `warm-up ${scenario.connections}c`;
  progress({ stage, arm: arm.name, phase });
  await runLoad(arm.url, requestFor(scenario.workload, arm.headers), {
    connections: scenario.connections,
    durationSeconds,
    timeoutSeconds: scenario.timeoutSeconds,
    signing: arm.signing,
    onTick: (responses) => progress({ stage, arm: arm.name, phase, responses }),
  });
}

async function measureRound(
  scenario: Scenario,
  arm: RunningArm,
  round: number,
  stage: string,
  progress: ProgressListener,
): Promise<RoundResult> {
  const shape = requestFor(scenario.workload, arm.headers);
  // In a run of many arms each one idles for minutes between its rounds, and V8's memory
  // reducer shrinks its heap meanwhile: without this the round's first second would measure
  // the recovery from idle, not the proxy.
  if (scenario.roundWarmupSeconds > 0) {
    await warmUp(scenario, arm, scenario.roundWarmupSeconds, stage, progress);
  }
  const loadPhase = `load ${scenario.connections}c`;
  progress({ stage, arm: arm.name, phase: loadPhase });
  const before = await arm.usage();
  const startedAt = performance.now();
  const load = await runLoad(arm.url, shape, {
    connections: scenario.connections,
    durationSeconds: scenario.durationSeconds,
    requests: scenario.requests,
    timeoutSeconds: scenario.timeoutSeconds,
    signing: arm.signing,
    onTick: (responses) => progress({ stage, arm: arm.name, phase: loadPhase, responses }),
  });
  const elapsedMicros = (performance.now() - startedAt) * 1_000;
  const after = await arm.usage();

  let probe: RoundResult['probe'];
  if (scenario.probe !== false) {
    const phase = `probe ${scenario.probe.connections}c`;
    progress({ stage, arm: arm.name, phase });
    probe = await runLoad(arm.url, shape, {
      connections: scenario.probe.connections,
      durationSeconds: scenario.probe.durationSeconds,
      timeoutSeconds: scenario.timeoutSeconds,
      signing: arm.signing,
      onTick: (responses) => progress({ stage, arm: arm.name, phase, responses }),
    });
  }
  const streams: RoundResult['streams'] = [];
  if (scenario.streams !== false) {
    for (const concurrency of scenario.streams.concurrency) {
      progress({ stage, arm: arm.name, phase: `streams x${concurrency}` });
      streams.push(
        await measureStreams(arm.url, streamRequest(arm.headers), {
          concurrency,
          durationSeconds: scenario.streams.durationSeconds,
          warmupStreams: scenario.streams.warmupStreams,
          timeoutSeconds: scenario.timeoutSeconds,
          signing: arm.signing,
        }),
      );
    }
  }
  return {
    round,
    load,
    cpuPercent: cpuPercent(before, after, elapsedMicros),
    maxRssBytes: after?.maxRssBytes,
    probe,
    streams,
  };
}

const cpuPercent = (
  before: ProcessUsage | undefined,
  after: ProcessUsage | undefined,
  elapsedMicros: number,
) =>
  before === undefined || after === undefined || elapsedMicros <= 0
    ? undefined
    : ((after.cpuMicros - before.cpuMicros) / elapsedMicros) * 100;

const profileFor = (scenario: Scenario, kind: ArmKind) =>
  scenario.profile?.includes(kind) === true
    ? (scenario.profileDirectory ?? 'bench-results/profiles')
    : undefined;

function withoutSecrets(scenario: Scenario): Scenario {
  return {
    ...scenario,
    arms: scenario.arms.map((arm) =>
      typeof arm === 'string'
        ? arm
        : { name: arm.name, url: arm.url, ...(arm.headers ? { headers: {} } : {}) },
    ),
  };
}

/** The machine a run measured on; `startLoad` is the 1-minute load average at its start. */
export function machineInfo(startLoad: number): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryBytes: totalmem(),
    node: process.version,
    platform: process.platform,
    release: release(),
    loadAverage: { start: startLoad, end: loadavg()[0] ?? 0 },
  };
}
