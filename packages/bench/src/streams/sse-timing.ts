import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { gatewayDuration } from '../load/run-load.js';
import { type SigningKey, signatureHeaders } from '../load/signing.js';
import { SampleBuffer, type SampleStats, sampleStats } from '../report/stats.js';
import type { RequestShape } from '../scenario/workloads.js';

/** Streaming timing at one concurrency level. */
export interface StreamTimingResult {
  concurrency: number;
  /** Streams completed with `[DONE]`. */
  streams: number;
  /** Streams that failed, were cut, or answered non-2xx. */
  errors: number;
  /** Time from sending the request to the first body byte, ms. */
  ttfb: SampleStats | undefined;
  /** Time between two body chunks of one stream, ms. */
  gap: SampleStats | undefined;
  /** Ferry's own time before the stream's headers (`Server-Timing: gateway;dur=`), ms. */
  overhead: SampleStats | undefined;
}

const done = Buffer.from('[DONE]');

/** How one stream measurement runs. */
export interface StreamTimingOptions {
  /** Streams open at once, each on its own connection. */
  concurrency: number;
  /** Seconds of timed streams, after the warm-up. */
  durationSeconds: number;
  /**
   * Untimed streams per connection first (default 2): the first one opens the connection and
   * meets a cold streaming path in the system under test, right after a load phase of another
   * kind; at one stream a round holds ~50 samples, so that one outlier would be its p99.
   */
  warmupStreams?: number | undefined;
  /** Headers and body timeout per request, in seconds (default 30). */
  timeoutSeconds?: number | undefined;
  /** When the arm verifies signatures: the key every request is signed with. */
  signing?: SigningKey | undefined;
}

/**
 * The bench's own server-sent events client (autocannon sees a response only as a whole):
 * `concurrency` loops each send a streaming request, time the first body byte and every gap
 * between chunks, read to the end, and start over until `durationSeconds` is up.
 *
 * @example
 * const result = await measureStreams('http://127.0.0.1:8787', streamRequest(), {
 *   concurrency: 1,
 *   durationSeconds: 5,
 * });
 */
export async function measureStreams(
  origin: string,
  shape: RequestShape,
  options: StreamTimingOptions,
): Promise<StreamTimingResult> {
  const { concurrency, durationSeconds, warmupStreams = 2, timeoutSeconds = 30, signing } = options;
  const pool = new Pool(origin, {
    connections: concurrency,
    pipelining: 1,
    headersTimeout: timeoutSeconds * 1_000,
    bodyTimeout: timeoutSeconds * 1_000,
  });
  const ttfb = new SampleBuffer();
  const gaps = new SampleBuffer();
  const overheads = new SampleBuffer();
  let streams = 0;
  let errors = 0;

  const streamOnce = async (timed: boolean) => {
    // Signed before the clock starts: the time to first byte is the arm's, not the signer's.
    const headers =
      signing === undefined ? shape.headers : { ...shape.headers, ...signatureHeaders(signing, shape) };
    const sentAt = performance.now();
    try {
      const response = await pool.request({
        method: shape.method as 'POST',
        path: shape.path,
        headers,
        body: shape.body,
      });
      const overhead = gatewayDuration(response.headers['server-timing']);
      if (timed && overhead !== undefined) overheads.push(overhead);
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        if (timed) errors++;
        return;
      }
      let last = 0;
      let tail: Buffer = Buffer.alloc(0);
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        const now = performance.now();
        if (timed) {
          if (last === 0) ttfb.push(now - sentAt);
          else gaps.push(now - last);
        }
        last = now;
        tail = chunk.byteLength >= 16 ? chunk : Buffer.concat([tail, chunk]).subarray(-16);
      }
      if (!timed) return;
      if (tail.includes(done)) streams++;
      else errors++;
    } catch {
      if (timed) errors++;
      // A refused or failing arm must not turn this loop into a busy spin.
      await sleep(5);
    }
  };

  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let index = 0; index < warmupStreams; index++) await streamOnce(false);
      }),
    );
    const deadline = performance.now() + durationSeconds * 1_000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) await streamOnce(true);
      }),
    );
  } finally {
    await pool.close();
  }
  return {
    concurrency,
    streams,
    errors,
    ttfb: sampleStats(ttfb.toArray()),
    gap: sampleStats(gaps.toArray()),
    overhead: sampleStats(overheads.toArray()),
  };
}
