import { readFile } from 'node:fs/promises';
import { type ArmKind, armKinds } from '../arms/arm-kinds.js';
import { type Workload, type WorkloadName, workloadNames } from './workloads.js';

/** A system reached by URL that the bench did not start: your own deployment, a staging gateway. */
export interface ExternalArm {
  /** Shown in reports. */
  name: string;
  /** Base URL of the API, e.g. `https://gateway.example.com` (the workload path is appended). */
  url: string;
  /** Sent with every request (e.g. `{ authorization: 'Bearer sk-...' }`); never written to reports. */
  headers?: Record<string, string>;
}

/** An arm: one the bench starts in its own process (by kind), or an external URL. */
export type ArmSpec = ArmKind | ExternalArm;

/** Pass/fail thresholds, checked on the Ferry arms and on external arms. */
export interface Targets {
  /** The load the other targets must hold at; a run at fewer connections fails this target. */
  connections: number;
  /** Largest accepted P99 latency over every request (median over rounds) in milliseconds. */
  p99Ms: number;
  /**
   * Largest accepted number of failed requests in any round: connection failures and resets,
   * timeouts and non-2xx answers together (a client counts each of them as a failure).
   */
  errors: number;
  /** Largest accepted number of timeouts in any round. */
  timeouts: number;
  /** Largest accepted number of non-2xx answers in any round. */
  non2xx: number;
  /** When set: requests/s must be at least this multiple of the Node floor's in the same run. */
  minFloorRatio?: number | undefined;
  /** When set: requests/s must be ahead of every Node peer's in the same run. */
  beatPeers?: boolean | undefined;
  /**
   * The arms the two throughput targets above judge. Default: `ferry-core`, Ferry in
   * passthrough on bare `node:http` — the like-for-like match of the Node floor and the peers.
   * Framework-hosted arms carry their framework's own cost, and the full pipeline does more
   * work by design; their ratios are reported either way.
   */
  throughputArms?: string[] | undefined;
  /** When set: p99 of Ferry's own time (`Server-Timing`) at one connection, in ms. */
  overheadP99Ms?: number | undefined;
  /** When set: p99 of the time to first byte added over direct, at one stream, in ms. */
  addedTtfbP99Ms?: number | undefined;
}

/** The mock upstream the bench starts for its own arms. */
export interface MockSettings {
  /** Delay before the mock's response headers. */
  latencyMs: number;
  /** Content chunks per streamed answer. */
  chunks: number;
  /** Delay between two streamed chunks. */
  chunkIntervalMs: number;
}

/** Server-sent event timing with the bench's own client (autocannon cannot see chunks). */
export interface StreamSettings {
  /** Concurrency levels, e.g. `[1, 100]`: at 1 the added time to first byte is cleanest. */
  concurrency: number[];
  /** How long each level runs, per arm and round. */
  durationSeconds: number;
  /** Untimed streams per connection before each level's timing starts (default 2). */
  warmupStreams: number;
}

/** Latency at one connection: Ferry's own overhead without queueing noise. */
export interface ProbeSettings {
  connections: number;
  durationSeconds: number;
}

/**
 * A complete benchmark. Build one with `defineScenario` (defaults filled in) or load a JSON
 * file of the same shape with `loadScenarioFile`.
 */
export interface Scenario {
  name: string;
  workload: Workload;
  arms: ArmSpec[];
  /** Concurrent connections of the load phase. */
  connections: number;
  /** Length of each load phase; ignored when `requests` is set. */
  durationSeconds: number;
  /** Stop each load phase after this many requests instead of after a duration. */
  requests?: number | undefined;
  /** Load run once per arm before the first round (JIT, pools, connections). */
  warmupSeconds: number;
  /** Load run before each round's measured load phase, unmeasured: the arm was idle meanwhile. */
  roundWarmupSeconds: number;
  /** Interleaved rounds: A B C, A B C, ... Figures are medians over rounds. */
  rounds: number;
  /** A request without an answer after this long counts as a timeout. */
  timeoutSeconds: number;
  mock: MockSettings;
  /** One-connection probe (overhead and added latency); `false` to skip. */
  probe: ProbeSettings | false;
  /** Stream timing; `false` to skip. */
  streams: StreamSettings | false;
  targets: Targets;
  /** Pin the arms and the load generator to different cores with `taskset` when it exists. */
  pin: boolean;
  /** Write a V8 CPU profile of these arms (kinds) into `profileDirectory`. */
  profile?: ArmKind[] | undefined;
  profileDirectory?: string | undefined;
}

/** The mission's targets: 1000 connections, P99 under 800 ms, no errors and no timeouts. */
export const defaultTargets: Targets = {
  connections: 1000,
  p99Ms: 800,
  errors: 0,
  timeouts: 0,
  non2xx: 0,
};

/** Every arm the bench can start itself, baselines first. nginx is skipped when not installed. */
export const defaultArms: ArmKind[] = [...armKinds];

/** A scenario's input: every field optional except what you want to change. */
export type ScenarioInput = Partial<Omit<Scenario, 'workload' | 'targets' | 'mock' | 'probe' | 'streams'>> & {
  workload?: Workload | WorkloadName;
  targets?: Partial<Targets>;
  mock?: Partial<MockSettings>;
  probe?: Partial<ProbeSettings> | false;
  streams?: Partial<StreamSettings> | false;
};

/**
 * Fills in defaults and validates a scenario, naming the bad field.
 *
 * @example
 * const scenario = defineScenario({ arms: ['direct', 'node-floor', 'ferry-core'], connections: 200 });
 */
export function defineScenario(input: ScenarioInput = {}): Scenario {
  const connections = input.connections ?? input.targets?.connections ?? defaultTargets.connections;
  const scenario: Scenario = {
    name: input.name ?? 'ferry-bench',
    workload: resolveWorkload(input.workload ?? 'chat'),
    arms: input.arms ?? [...defaultArms],
    connections,
    durationSeconds: input.durationSeconds ?? 10,
    requests: input.requests,
    warmupSeconds: input.warmupSeconds ?? 3,
    roundWarmupSeconds: input.roundWarmupSeconds ?? 1,
    rounds: input.rounds ?? 3,
    timeoutSeconds: input.timeoutSeconds ?? 10,
    mock: { latencyMs: 50, chunks: 20, chunkIntervalMs: 10, ...input.mock },
    probe: input.probe === false ? false : { connections: 1, durationSeconds: 5, ...input.probe },
    streams:
      input.streams === false
        ? false
        : { concurrency: [1, 100], durationSeconds: 5, warmupStreams: 2, ...input.streams },
    targets: { ...defaultTargets, ...input.targets },
    pin: input.pin ?? true,
    profile: input.profile,
    profileDirectory: input.profileDirectory,
  };
  validateScenario(scenario);
  return scenario;
}

/**
 * Reads a scenario from a JSON file of the `ScenarioInput` shape. `${NAME}` in strings is
 * replaced by the environment variable, so keys stay out of the file.
 *
 * @example
 * const scenario = await loadScenarioFile('bench/production.json');
 */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ScenarioError(`${path} must hold a JSON object`);
  }
  return defineScenario(expandEnvironment(parsed) as ScenarioInput);
}

/** Thrown for a scenario the bench cannot run; the message names the field. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

function expandEnvironment(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const found = process.env[name];
      if (found === undefined) throw new ScenarioError(`environment variable ${name} is not set`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map(expandEnvironment);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandEnvironment(item)]));
  }
  return value;
}

function resolveWorkload(workload: Workload | WorkloadName): Workload {
  if (typeof workload !== 'string') return workload;
  if (!(workloadNames as readonly string[]).includes(workload)) {
    throw new ScenarioError(`workload: unknown "${workload}" (one of ${workloadNames.join(', ')})`);
  }
  return { name: workload };
}

const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;
const nonNegative = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function validateScenario(scenario: Scenario): void {
  const problems: string[] = [];
  const check = (ok: boolean, field: string, message: string) => {
    if (!ok) problems.push(`${field}: ${message}`);
  };
  check(
    Number.isInteger(scenario.connections) && scenario.connections > 0,
    'connections',
    'a positive integer',
  );
  check(positive(scenario.durationSeconds), 'durationSeconds', 'a positive number');
  check(
    scenario.requests === undefined || (Number.isInteger(scenario.requests) && scenario.requests > 0),
    'requests',
    'a positive integer',
  );
  check(nonNegative(scenario.warmupSeconds), 'warmupSeconds', 'a non-negative number');
  check(nonNegative(scenario.roundWarmupSeconds), 'roundWarmupSeconds', 'a non-negative number');
  check(Number.isInteger(scenario.rounds) && scenario.rounds > 0, 'rounds', 'a positive integer');
  check(positive(scenario.timeoutSeconds), 'timeoutSeconds', 'a positive number');
  check(nonNegative(scenario.mock.latencyMs), 'mock.latencyMs', 'a non-negative number');
  check(
    Number.isInteger(scenario.mock.chunks) && scenario.mock.chunks > 0,
    'mock.chunks',
    'a positive integer',
  );
  check(nonNegative(scenario.mock.chunkIntervalMs), 'mock.chunkIntervalMs', 'a non-negative number');
  if (scenario.probe !== false) {
    check(
      Number.isInteger(scenario.probe.connections) && scenario.probe.connections > 0,
      'probe.connections',
      'a positive integer',
    );
    check(positive(scenario.probe.durationSeconds), 'probe.durationSeconds', 'a positive number');
  }
  if (scenario.streams !== false) {
    const levels = scenario.streams.concurrency;
    check(
      Array.isArray(levels) &&
        levels.length > 0 &&
        levels.every((level) => Number.isInteger(level) && level > 0),
      'streams.concurrency',
      'a non-empty list of positive integers',
    );
    check(positive(scenario.streams.durationSeconds), 'streams.durationSeconds', 'a positive number');
    check(
      Number.isInteger(scenario.streams.warmupStreams) && scenario.streams.warmupStreams >= 0,
      'streams.warmupStreams',
      'a non-negative integer',
    );
  }
  check(Array.isArray(scenario.arms) && scenario.arms.length > 0, 'arms', 'at least one arm');
  const names = new Set<string>();
  for (const [index, arm] of (scenario.arms ?? []).entries()) {
    if (typeof arm === 'string') {
      check(
        (armKinds as readonly string[]).includes(arm),
        `arms[${index}]`,
        `unknown arm "${arm}" (one of ${armKinds.join(', ')})`,
      );
    } else {
      check(
        typeof arm?.name === 'string' && arm.name.length > 0,
        `arms[${index}].name`,
        'a non-empty string',
      );
      check(
        typeof arm?.url === 'string' && /^https?:\/\//.test(arm.url),
        `arms[${index}].url`,
        'an http(s) URL',
      );
    }
    const name = typeof arm === 'string' ? arm : arm?.name;
    check(!names.has(name), `arms[${index}]`, `"${name}" is listed twice`);
    names.add(name);
  }
  const targets = scenario.targets;
  check(
    Number.isInteger(targets.connections) && targets.connections > 0,
    'targets.connections',
    'a positive integer',
  );
  check(positive(targets.p99Ms), 'targets.p99Ms', 'a positive number');
  for (const field of ['errors', 'timeouts', 'non2xx'] as const) {
    check(nonNegative(targets[field]), `targets.${field}`, 'a non-negative number');
  }
  for (const field of ['minFloorRatio', 'overheadP99Ms', 'addedTtfbP99Ms'] as const) {
    check(targets[field] === undefined || positive(targets[field]), `targets.${field}`, 'a positive number');
  }
  if (problems.length > 0) throw new ScenarioError(`Invalid scenario — ${problems.join('; ')}`);
}
