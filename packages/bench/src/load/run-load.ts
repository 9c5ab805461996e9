import autocannon from 'autocannon';
import { percentileOfSorted, SampleBuffer, type SampleStats, sampleStats } from '../report/stats.js';
import type { RequestShape } from '../scenario/workloads.js';
import { type SigningKey, signatureHeaders } from './signing.js';

/** One autocannon phase against one arm. */
export interface LoadPhase {
  connections: number;
  durationSeconds: number;
  /** Stop after this many requests instead of after the duration. */
  requests?: number | undefined;
  timeoutSeconds: number;
  /** Sign each request with a fresh timestamp and nonce (for gateways that verify signatures). */
  signing?: SigningKey | undefined;
  /** Called about once a second with the responses so far. */
  onTick?: (responsesSoFar: number) => void;
}

/** What a load phase measured. Latencies are the bench's own (sub-millisecond) samples. */
export interface LoadResult {
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  /**
   * Latency of the requests on established connections, in ms. The first request of each
   * connection is kept apart (`firstRequest`): autocannon opens every connection at once and
   * sends at once, so that request also waits for the server to accept the connection, which
   * a saturated Node process does only gradually (seconds for 1000 connections). Reporting it
   * inside the steady-state percentiles would measure the connection storm, not the proxy.
   */
  latency: SampleStats | undefined;
  /** Latency of each connection's first request (connection accept included). */
  firstRequest: SampleStats | undefined;
  /** The latency percentile curve for the chart: [percentile, ms]. */
  curve: Array<[number, number]>;
  /** Connection errors and resets, timeouts not included. */
  errors: number;
  timeouts: number;
  non2xx: number;
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
    if (connected.has(client)) {
      latencies.push(responseTime);
    } else {
      connected.add(client);
      firstLatencies.push(responseTime);
    }
  });
  let ticks = 0;
  instance.on('tick', () => {
    ticks++;
    phase.onTick?.(latencies.length + firstLatencies.length);
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
  const answered = samples.length + firstLatencies.length;
  return {
    connections: phase.connections,
    durationSeconds,
    requests: answered,
    requestsPerSecond: answered / durationSeconds,
    latency,
    firstRequest: sampleStats(firstLatencies.toArray()),
    curve,
    errors: Math.max(0, result.errors - result.timeouts),
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    overhead: sampleStats(overheads.toArray()),
  };
}
