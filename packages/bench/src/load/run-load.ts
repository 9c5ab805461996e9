import autocannon from 'autocannon';
import { percentileOfSorted, SampleBuffer, type SampleStats, sampleStats } from '../report/stats.js';
import type { RequestShape } from '../scenario/workloads.js';
import { checkLittlesLaw, type LittlesLawCheck } from './littles-law.js';
import { type SigningKey, signatureHeaders } from './signing.js';

/** One autocannon phase against one arm. */
export interface LoadPhase {
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests instead of after the duration. */
  requests?: number | undefined;
  timeoutSeconds: number;
  /**
   * Cap on requests per second over all connections (autocannon's `overallRate`). Connections
   * then idle between requests, so Little's law is checked as an upper bound only.
   */
  ratePerSecond?: number | undefined;
  /** Sign each request with a fresh timestamp and nonce (for gateways that verify signatures). */
  signing?: SigningKey | undefined;
  /** Called about once a second with the responses so far. */
  onTick?: (responsesSoFar: number) => void;
}

/** What a load phase measured. Latencies are the bench's own (sub-millisecond) samples. */
export interface LoadResult {
  connections: number;
  durationSeconds: number;
  /** Answered requests, every status. */
  requests: number;
  requestsPerSecond: number;
  /**
   * The headline latency, in ms: every answered request, each connection's first one included,
   * the same population as autocannon's own histogram. A user's client waits for its first
   * request too, connection set-up and all, so the figures a target judges leave nothing out.
   */
  latency: SampleStats | undefined;
  /**
   * Each connection's first request alone (connection accept included), an extra view:
   * autocannon opens every connection at once, and a saturated server accepts them gradually.
   */
  firstRequest: SampleStats | undefined;
  /** autocannon's own latency histogram (whole milliseconds), to cross-check `latency`. */
  autocannon: { count: number; mean: number; p50: number; p99: number; max: number };
  /** The latency percentile curve for the chart, over every request: [percentile, ms]. */
  curve: Array<[number, number]>;
  /** Every failed request: connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Connection errors and resets alone. */
  connectionErrors: number;
  timeouts: number;
  non2xx: number;
  /** connections ÷ requests/s against the mean latency. */
  littlesLaw: LittlesLawCheck;
  /** Ferry's own time per request from `Server-Timing: gateway;dur=` (absent on other arms). */
  overhead: SampleStats | undefined;
}

/** Percentiles drawn in the report's chart (x axis spaced by 1 / (1 - p)). */
export const curvePercentiles = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];

const serverTiming = /gateway;dur=([\d.]+)/;

/** Ferry's own time from a `Server-Timing` header value (`gateway;dur=0.04`), in ms. */
export function gatewayDuration(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === undefined) return undefined;
  const match = serverTiming.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function timingOf(headers: Record<string, string | string[]>): number | undefined {
  return gatewayDuration(headers['server-timing'] ?? headers['Server-Timing']);
}

/**
 * Runs autocannon against `origin` with `shape` for one phase and collects latencies, status
 * classes and Server-Timing. The generator runs in this process; the bench pins it apart from
 * the system under test.
 */
export async function runLoad(origin: string, shape: RequestShape, phase: LoadPhase): Promise<LoadResult> {
  const latencies = new SampleBuffer();
  const firstLatencies = new SampleBuffer();
  const connected = new WeakSet<object>();
  const overheads = new SampleBuffer();
  // At run time the instance is both an event emitter and a thenable.
  const instance = autocannon({
    url: origin,
    connections: phase.connections,
    ...(phase.requests === undefined ? { duration: phase.durationSeconds } : { amount: phase.requests }),
    timeout: phase.timeoutSeconds,
    ...(phase.ratePerSecond === undefined ? {} : { overallRate: phase.ratePerSecond }),
    requests: [
      {
        method: shape.method as 'POST',
        path: shape.path,
        headers: shape.headers,
        ...(shape.body === undefined ? {} : { body: shape.body }),
        ...(phase.signing === undefined
          ? {}
          : {
              setupRequest: (request: autocannon.Request) => {
                request.headers = {
                  ...shape.headers,
                  ...signatureHeaders(phase.signing as SigningKey, shape),
                };
                return request;
              },
            }),
        onResponse: (_status, _body, _context, headers) => {
          const overhead = timingOf(headers as Record<string, string | string[]>);
          if (overhead !== undefined) overheads.push(overhead);
        },
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (client: object, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    if (!connected.has(client)) {
      connected.add(client);
      firstLatencies.push(responseTime);
    }
  });
  let ticks = 0;
  instance.on('tick', () => {
    ticks++;
    phase.onTick?.(latencies.length);
  });
  const result = await instance;
  const samples = latencies.toArray();
  const latency = sampleStats(samples);
  const sorted = Float64Array.from(samples).sort();
  const curve: Array<[number, number]> =
    sorted.length === 0
      ? []
      : curvePercentiles.map((percentile) => [percentile, percentileOfSorted(sorted, percentile)]);
  const durationSeconds = result.duration > 0 ? result.duration : Math.max(ticks, 1);
  const answered = samples.length;
  const connectionErrors = Math.max(0, result.errors - result.timeouts);
  const own = result.latency as autocannon.Histogram & { totalCount?: number };
  return {
    connections: phase.connections,
    durationSeconds,
    requests: answered,
    requestsPerSecond: answered / durationSeconds,
    latency,
    firstRequest: sampleStats(firstLatencies.toArray()),
    autocannon: {
      count: own.totalCount ?? 0,
      mean: own.mean,
      p50: own.p50,
      p99: own.p99,
      max: own.max,
    },
    curve,
    errors: connectionErrors + result.timeouts + result.non2xx,
    connectionErrors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    littlesLaw: checkLittlesLaw({
      connections: phase.connections,
      durationSeconds,
      responses: answered,
      latencySumMs: latency === undefined ? 0 : latency.mean * latency.count,
      timeouts: result.timeouts,
      timeoutMs: phase.timeoutSeconds * 1_000,
      rateLimited: phase.ratePerSecond !== undefined,
    }),
    overhead: sampleStats(overheads.toArray()),
  };
}
