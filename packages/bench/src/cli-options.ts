import { parseArgs } from 'node:util';
import { type ArmKind, armKinds } from './arms/arm-kinds.js';
import {
  defineScenario,
  loadScenarioFile,
  type Scenario,
  ScenarioError,
  type ScenarioInput,
} from './scenario/scenario.js';

export const usage = `Usage: ferry-bench [options]
       ferry-bench ramp (--arm NAME | --url URL) [options]   (see ferry-bench ramp --help)

Load-tests OpenAI-compatible gateways: Ferry and its baselines and peers, each started in its
own process, or your own deployment by URL. Exits 1 when a target fails, naming it. \`ramp\`
steps the connections up and reports the largest level that meets the SLO.

Scenario
  --scenario FILE            JSON scenario (same fields as defineScenario); flags override it
  --arms LIST                comma-separated arms (default: all): ${armKinds.join(', ')}
  --url URL                  measure your own deployment (an external arm named "target");
                             without --arms only this arm runs
  --header "NAME: VALUE"     header for --url requests (repeatable), e.g. an Authorization key
  --workload NAME            chat | chat-stream | embeddings (default chat)
  --connections N            load-phase connections (default: targets' connections, 1000)
  --duration S               seconds per load phase (default 10)
  --requests N               requests per load phase instead of a duration
  --warmup S                 warm-up seconds per arm before round 1 (default 3)
  --round-warmup S           unmeasured load per arm before each round's load phase (default 1)
  --rounds N                 interleaved rounds (default 3)
  --timeout S                request timeout (default 10)
  --latency-ms N             mock upstream latency to first byte (default 50)
  --chunks N                 mock stream chunks (default 20)
  --chunk-interval-ms N      mock gap between chunks (default 10)
  --probe-connections N      connections of the overhead probe (default 1)
  --probe-duration S         seconds of the overhead probe (default 5)
  --no-probe                 skip the probe
  --streams LIST             concurrent stream levels (default 1,100)
  --stream-duration S        seconds per stream level (default 5)
  --stream-warmup N          untimed streams per connection before each level (default 2)
  --no-streams               skip stream timing
  --no-pin                   do not pin processes to cores with taskset
  --quick                    a few seconds, few connections: checks the set-up, not the figures
  --profile LIST             write V8 CPU profiles of these arms (--cpu-prof) into <out>/profiles

Targets (the mission's defaults)
  --target-connections N     load the other targets must hold at (default 1000)
  --target-p99-ms N          P99 latency limit (default 800)
  --target-errors N          failed requests allowed, timeouts and non-2xx included (default 0)
  --target-timeouts N        timeouts allowed (default 0)
  --target-non2xx N          non-2xx answers allowed (default 0)
  --target-floor-ratio R     requests/s at least R x the Node floor's (off by default)
  --target-beat-peers        requests/s ahead of every Node peer (off by default)
  --target-throughput-arms LIST  arms the two targets above judge (default ferry-core)
  --target-overhead-p99-ms N Ferry's Server-Timing p99 at the probe's connections (off by default)
  --target-added-ttfb-p99-ms N  stream time to first byte added over direct, p99 at 1 stream (off)

Output
  --out DIR                  report directory (default bench-results/<timestamp>)
  --json                     print the JSON report on stdout instead of the table
  --help
`;

const options = {
  scenario: { type: 'string' },
  arms: { type: 'string' },
  url: { type: 'string' },
  header: { type: 'string', multiple: true },
  workload: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  requests: { type: 'string' },
  warmup: { type: 'string' },
  'round-warmup': { type: 'string' },
  rounds: { type: 'string' },
  timeout: { type: 'string' },
  'latency-ms': { type: 'string' },
  chunks: { type: 'string' },
  'chunk-interval-ms': { type: 'string' },
  'probe-connections': { type: 'string' },
  'probe-duration': { type: 'string' },
  'no-probe': { type: 'boolean' },
  streams: { type: 'string' },
  'stream-duration': { type: 'string' },
  'stream-warmup': { type: 'string' },
  'no-streams': { type: 'boolean' },
  'no-pin': { type: 'boolean' },
  quick: { type: 'boolean' },
  profile: { type: 'string' },
  'target-connections': { type: 'string' },
  'target-p99-ms': { type: 'string' },
  'target-errors': { type: 'string' },
  'target-timeouts': { type: 'string' },
  'target-non2xx': { type: 'string' },
  'target-floor-ratio': { type: 'string' },
  'target-beat-peers': { type: 'boolean' },
  'target-throughput-arms': { type: 'string' },
  'target-overhead-p99-ms': { type: 'string' },
  'target-added-ttfb-p99-ms': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** What the command line asks for. */
export interface CliRequest {
  help: boolean;
  scenario: Scenario;
  out: string | undefined;
  json: boolean;
}

function numeric(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new ScenarioError(`--${flag}: "${text}" is not a number`);
  return value;
}

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * The quick mode: seconds, not minutes. It proves the set-up works (every arm starts and
 * answers, reports are written, targets are evaluated), not the figures.
 */
export const quickScenario: ScenarioInput = {
  name: 'quick',
  connections: 10,
  durationSeconds: 1,
  warmupSeconds: 0.5,
  roundWarmupSeconds: 0,
  rounds: 2,
  probe: { connections: 1, durationSeconds: 0.5 },
  streams: { concurrency: [1, 4], durationSeconds: 0.5 },
  mock: { latencyMs: 5, chunks: 5, chunkIntervalMs: 2 },
};

/** Parses `ferry-bench` arguments into a scenario (validated) and output settings. */
export async function parseCli(argv: readonly string[]): Promise<CliRequest> {
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const base: ScenarioInput =
    values.scenario === undefined ? {} : ((await loadScenarioFile(values.scenario)) as ScenarioInput);
  const quick = values.quick === true ? quickScenario : {};
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new ScenarioError(`--header: "${header}" is not "Name: value"`);
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  let arms = values.arms === undefined ? (base.arms ?? quick.arms) : (list(values.arms) as ArmKind[]);
  if (values.url !== undefined) {
    arms = [...(values.arms === undefined ? [] : (arms ?? [])), { name: 'target', url: values.url, headers }];
  }
  const mock = { ...quick.mock, ...base.mock };
  const setMock = (field: 'latencyMs' | 'chunks' | 'chunkIntervalMs', flag: string) => {
    const value = numeric(flag, values[flag as keyof typeof values] as string | undefined);
    if (value !== undefined) mock[field] = value;
  };
  setMock('latencyMs', 'latency-ms');
  setMock('chunks', 'chunks');
  setMock('chunkIntervalMs', 'chunk-interval-ms');

  const baseProbe = base.probe === false ? false : { ...(quick.probe || {}), ...(base.probe || {}) };
  const probe =
    values['no-probe'] === true
      ? false
      : {
          ...(baseProbe || {}),
          ...defined({
            connections: numeric('probe-connections', values['probe-connections']),
            durationSeconds: numeric('probe-duration', values['probe-duration']),
          }),
        };
  const baseStreams = base.streams === false ? false : { ...(quick.streams || {}), ...(base.streams || {}) };
  const streams =
    values['no-streams'] === true
      ? false
      : {
          ...(baseStreams || {}),
          ...defined({
            concurrency:
              values.streams === undefined ? undefined : list(values.streams).map((level) => Number(level)),
            durationSeconds: numeric('stream-duration', values['stream-duration']),
            warmupStreams: numeric('stream-warmup', values['stream-warmup']),
          }),
        };
  const connections = numeric('connections', values.connections) ?? base.connections ?? quick.connections;
  const targets = {
    ...base.targets,
    // Quick mode judges at its own small load unless a target says otherwise.
    ...(values.quick === true ? { connections } : {}),
    ...defined({
      connections: numeric('target-connections', values['target-connections']),
      p99Ms: numeric('target-p99-ms', values['target-p99-ms']),
      errors: numeric('target-errors', values['target-errors']),
      timeouts: numeric('target-timeouts', values['target-timeouts']),
      non2xx: numeric('target-non2xx', values['target-non2xx']),
      minFloorRatio: numeric('target-floor-ratio', values['target-floor-ratio']),
      beatPeers: values['target-beat-peers'],
      throughputArms:
        values['target-throughput-arms'] === undefined ? undefined : list(values['target-throughput-arms']),
      overheadP99Ms: numeric('target-overhead-p99-ms', values['target-overhead-p99-ms']),
      addedTtfbP99Ms: numeric('target-added-ttfb-p99-ms', values['target-added-ttfb-p99-ms']),
    }),
  };
  const profile = values.profile === undefined ? base.profile : (list(values.profile) as ArmKind[]);
  const out = values.out;
  const scenario = defineScenario({
    ...quick,
    ...base,
    ...defined({
      name: base.name ?? quick.name,
      arms,
      workload: values.workload as ScenarioInput['workload'],
      connections,
      durationSeconds: numeric('duration', values.duration),
      requests: numeric('requests', values.requests),
      warmupSeconds: numeric('warmup', values.warmup),
      roundWarmupSeconds: numeric('round-warmup', values['round-warmup']),
      rounds: numeric('rounds', values.rounds),
      timeoutSeconds: numeric('timeout', values.timeout),
      pin: values['no-pin'] === true ? false : undefined,
      profile,
      profileDirectory: profile === undefined ? undefined : `${out ?? 'bench-results'}/profiles`,
    }),
    mock,
    probe,
    streams,
    targets,
  });
  return { help: values.help === true, scenario, out, json: values.json === true };
}

/** Drops undefined fields so they do not override defaults when spread. */
function defined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
