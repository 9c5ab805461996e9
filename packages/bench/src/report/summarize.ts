import type { LoadResult } from '../load/run-load.js';
import type {
  ArmSummary,
  LatencySpread,
  LittlesLawSummary,
  Ratio,
  RoundResult,
  StreamSummary,
} from './report-types.js';
import type { SampleStats } from './stats.js';
import { median, spread } from './stats.js';

const latencySpread = (stats: Array<SampleStats | undefined>): LatencySpread | undefined => {
  if (stats.every((item) => item === undefined)) return undefined;
  return {
    mean: spread(stats.map((item) => item?.mean)),
    p50: spread(stats.map((item) => item?.p50)),
    p90: spread(stats.map((item) => item?.p90)),
    p99: spread(stats.map((item) => item?.p99)),
    p99_9: spread(stats.map((item) => item?.p99_9)),
    max: spread(stats.map((item) => item?.max)),
  };
};

/** Per-round quotient, then median/min/max: drift between rounds cancels out. */
const roundRatio = (
  rounds: readonly RoundResult[],
  baseline: readonly RoundResult[] | undefined,
  pick: (load: LoadResult) => number | undefined,
) => {
  if (baseline === undefined) return undefined;
  return spread(
    rounds.map((round, index) => {
      const base = baseline[index];
      const value = pick(round.load);
      const reference = base === undefined ? undefined : pick(base.load);
      return value === undefined || reference === undefined || reference === 0
        ? undefined
        : value / reference;
    }),
  );
};

const ratio = (
  rounds: readonly RoundResult[],
  baseline: readonly RoundResult[] | undefined,
): Ratio | undefined =>
  baseline === undefined
    ? undefined
    : {
        throughput: roundRatio(rounds, baseline, (load) => load.requestsPerSecond),
        p99: roundRatio(rounds, baseline, (load) => load.latency?.p99),
      };

const added = (
  rounds: readonly RoundResult[],
  baseline: readonly RoundResult[] | undefined,
  pick: (round: RoundResult) => SampleStats | undefined,
) => {
  if (baseline === undefined) return undefined;
  const difference = (field: 'p50' | 'p99') =>
    spread(
      rounds.map((round, index) => {
        const base = baseline[index];
        const value = pick(round)?.[field];
        const reference = base === undefined ? undefined : pick(base)?.[field];
        return value === undefined || reference === undefined ? undefined : value - reference;
      }),
    );
  return { p50: difference('p50'), p99: difference('p99') };
};

function streamSummaries(rounds: readonly RoundResult[], direct: readonly RoundResult[] | undefined) {
  const levels = new Set(rounds.flatMap((round) => round.streams.map((stream) => stream.concurrency)));
  const summaries: StreamSummary[] = [];
  for (const concurrency of levels) {
    const at = (round: RoundResult) => round.streams.find((stream) => stream.concurrency === concurrency);
    const results = rounds.map(at);
    summaries.push({
      concurrency,
      streams: results.reduce((sum, item) => sum + (item?.streams ?? 0), 0),
      errors: results.reduce((sum, item) => sum + (item?.errors ?? 0), 0),
      ttfb: {
        p50: spread(results.map((item) => item?.ttfb?.p50)),
        p99: spread(results.map((item) => item?.ttfb?.p99)),
      },
      gap: {
        p50: spread(results.map((item) => item?.gap?.p50)),
        p99: spread(results.map((item) => item?.gap?.p99)),
      },
      overhead: {
        p50: spread(results.map((item) => item?.overhead?.p50)),
        p99: spread(results.map((item) => item?.overhead?.p99)),
      },
      addedTtfb: added(rounds, direct, (round) => at(round)?.ttfb),
    });
  }
  return summaries;
}

function medianCurve(rounds: readonly RoundResult[]): Array<[number, number]> {
  const first = rounds.find((round) => round.load.curve.length > 0)?.load.curve ?? [];
  return first.map(([percentile], index) => [
    percentile,
    median(rounds.map((round) => round.load.curve[index]?.[1]).filter((value) => value !== undefined)),
  ]);
}

/** Little's law over the rounds: the busy ratio's spread and the rounds where it failed. */
export function littlesLawSummary(
  rounds: readonly RoundResult[],
  pick: (round: RoundResult) => LoadResult | undefined,
): LittlesLawSummary {
  const checks = rounds.map((round) => ({ round: round.round, check: pick(round)?.littlesLaw }));
  const failed = checks.filter((item) => item.check !== undefined && !item.check.holds);
  return {
    busyRatio: spread(checks.map((item) => item.check?.busyRatio)),
    failedRounds: failed.map((item) => item.round),
    message: (failed[0]?.check ?? checks[checks.length - 1]?.check)?.message ?? 'no phase ran',
  };
}

/**
 * An arm's figures over all its rounds: medians with min–max, worst-round error counts, and
 * ratios against the direct and Node-floor arms of the same rounds.
 */
export function summarizeArm(
  rounds: readonly RoundResult[],
  baselines: { direct?: readonly RoundResult[] | undefined; floor?: readonly RoundResult[] | undefined },
  isDirect: boolean,
): ArmSummary {
  const loads = rounds.map((round) => round.load);
  const rss = rounds.map((round) => round.maxRssBytes).filter((value) => value !== undefined);
  const hasProbe = rounds.some((round) => round.probe !== undefined);
  return {
    requestsPerSecond: spread(loads.map((load) => load.requestsPerSecond)),
    latency: latencySpread(loads.map((load) => load.latency)) ?? {
      mean: undefined,
      p50: undefined,
      p90: undefined,
      p99: undefined,
      p99_9: undefined,
      max: undefined,
    },
    curve: medianCurve(rounds),
    firstRequest: {
      p50: spread(loads.map((load) => load.firstRequest?.p50)),
      p99: spread(loads.map((load) => load.firstRequest?.p99)),
      max: spread(loads.map((load) => load.firstRequest?.max)),
    },
    errors: Math.max(0, ...loads.map((load) => load.errors)),
    connectionErrors: Math.max(0, ...loads.map((load) => load.connectionErrors)),
    timeouts: Math.max(0, ...loads.map((load) => load.timeouts)),
    non2xx: Math.max(0, ...loads.map((load) => load.non2xx)),
    littlesLaw: littlesLawSummary(rounds, (round) => round.load),
    probeLittlesLaw: hasProbe ? littlesLawSummary(rounds, (round) => round.probe) : undefined,
    cpuPercent: spread(rounds.map((round) => round.cpuPercent)),
    maxRssBytes: rss.length === 0 ? undefined : Math.max(...rss),
    overhead: {
      load: latencySpread(loads.map((load) => load.overhead)),
      probe: hasProbe ? latencySpread(rounds.map((round) => round.probe?.overhead)) : undefined,
    },
    probeLatency: hasProbe ? latencySpread(rounds.map((round) => round.probe?.latency)) : undefined,
    probeAdded:
      hasProbe && !isDirect ? added(rounds, baselines.direct, (round) => round.probe?.latency) : undefined,
    streams: streamSummaries(rounds, isDirect ? undefined : baselines.direct),
    vsDirect: ratio(rounds, baselines.direct),
    vsFloor: ratio(rounds, baselines.floor),
  };
}
