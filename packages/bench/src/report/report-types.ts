import type { ArmRole } from '../arms/arm-kinds.js';
import type { Topology } from '../arms/pinning.js';
import type { SkippedArm } from '../arms/running-arm.js';
import type { LoadResult } from '../load/run-load.js';
import type { Scenario } from '../scenario/scenario.js';
import type { StreamTimingResult } from '../streams/sse-timing.js';
import type { Spread } from './stats.js';

/** Everything measured on one arm in one round. */
export interface RoundResult {
  round: number;
  load: LoadResult;
  /** CPU of the system under test during the load phase, in % of one core. */
  cpuPercent: number | undefined;
  /** Peak resident memory of the system under test so far, bytes. */
  maxRssBytes: number | undefined;
  probe: LoadResult | undefined;
  streams: StreamTimingResult[];
}

/** Percentiles of a latency figure, each as median over rounds with min–max. */
export interface LatencySpread {
  mean?: Spread | undefined;
  p50: Spread | undefined;
  p90: Spread | undefined;
  p99: Spread | undefined;
  p99_9: Spread | undefined;
  max: Spread | undefined;
}

/** Ratios of an arm against a baseline, computed round by round, then medians. */
export interface Ratio {
  /** Requests/s of the arm divided by the baseline's (1.0 = equal, higher is better). */
  throughput: Spread | undefined;
  /** P99 latency of the arm divided by the baseline's (lower is better). */
  p99: Spread | undefined;
}

export interface StreamSummary {
  concurrency: number;
  streams: number;
  errors: number;
  ttfb: { p50: Spread | undefined; p99: Spread | undefined };
  gap: { p50: Spread | undefined; p99: Spread | undefined };
  /** Ferry's own time before the stream's headers (Server-Timing). */
  overhead: { p50: Spread | undefined; p99: Spread | undefined };
  /** Time to first byte added over direct, per percentile, round by round. */
  addedTtfb: { p50: Spread | undefined; p99: Spread | undefined } | undefined;
}

/** Little's law over an arm's rounds for one kind of phase (load or probe). */
export interface LittlesLawSummary {
  /** Measured busy time ÷ connections × duration, per round (1.0 = every connection busy). */
  busyRatio: Spread | undefined;
  /** Rounds where the law did not hold within the tolerance; empty when it held in all. */
  failedRounds: number[];
  /** The first failing round's sentence, or the last round's when all held. */
  message: string;
}

/** One arm's figures over all rounds. */
export interface ArmSummary {
  requestsPerSecond: Spread | undefined;
  /** Over every request, each connection's first one included: the figures targets judge. */
  latency: LatencySpread;
  /** Median latency per chart percentile over rounds: [percentile, ms]. */
  curve: Array<[number, number]>;
  /** Each connection's first request (includes the server accepting the connection). */
  firstRequest: { p50: Spread | undefined; p99: Spread | undefined; max: Spread | undefined };
  /** Worst round. `errors` counts every failed request: connection errors, timeouts, non-2xx. */
  errors: number;
  connectionErrors: number;
  timeouts: number;
  non2xx: number;
  littlesLaw: LittlesLawSummary;
  probeLittlesLaw: LittlesLawSummary | undefined;
  cpuPercent: Spread | undefined;
  maxRssBytes: number | undefined;
  /** Ferry's Server-Timing during the load phase and at one connection. */
  overhead: { load: LatencySpread | undefined; probe: LatencySpread | undefined };
  /** Latency at the probe's connections (one by default). */
  probeLatency: LatencySpread | undefined;
  /** Probe latency added over direct (p50, p99), round by round. */
  probeAdded: { p50: Spread | undefined; p99: Spread | undefined } | undefined;
  streams: StreamSummary[];
  vsDirect: Ratio | undefined;
  vsFloor: Ratio | undefined;
}

export interface ArmReport {
  name: string;
  role: ArmRole;
  description: string;
  rounds: RoundResult[];
  summary: ArmSummary;
}

/** One target checked on one arm (or on the run, for `connections`). */
export interface TargetResult {
  target: string;
  arm: string | undefined;
  passed: boolean;
  /** Human sentence, e.g. `ferry-core: p99 912.4 ms > 800 ms`. */
  message: string;
  limit: number | boolean;
  actual: number | boolean | undefined;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
  release: string;
  /** 1-minute load average at the start and at the end: a noisy machine shows here. */
  loadAverage: { start: number; end: number };
}

/** The whole result of a run: what the JSON, Markdown and HTML reports are made of. */
export interface BenchReport {
  tool: '@ferry/bench';
  version: 1;
  startedAt: string;
  finishedAt: string;
  /** The scenario as run; headers of external arms are left out (they may hold keys). */
  scenario: Scenario;
  machine: MachineInfo;
  topology: Topology;
  arms: ArmReport[];
  skipped: SkippedArm[];
  targets: TargetResult[];
  /** Arms whose figures are suspect (a peer answering errors, failed streams). */
  warnings: string[];
  passed: boolean;
}
