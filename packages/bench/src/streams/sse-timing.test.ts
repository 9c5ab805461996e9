import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { streamRequest } from '../scenario/workloads.js';
import { measureStreams } from './sse-timing.js';

describe('measureStreams', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({ latencyMs: 5, chunks: 4, chunkIntervalMs: 2 });
  });
  after(() => mock.close());

  it('times only the streams after each connection warm-up, and counts them', async () => {
    const before = mock.requests.length;
    const result = await measureStreams(mock.origin, streamRequest({}), {
      concurrency: 2,
      durationSeconds: 0.3,
      warmupStreams: 3,
    });
    const sent = mock.requests.length - before;
    assert.equal(result.errors, 0);
    assert.ok(result.streams > 0, 'some streams were timed');
    // Every request the mock saw is either one of the 2 x 3 warm-ups or a counted stream.
    assert.equal(sent, 2 * 3 + result.streams);
    assert.equal(result.ttfb?.count, result.streams);
    assert.ok((result.ttfb?.p50 ?? 0) >= 5, 'the first byte waits for the mock latency');
  });

  it('counts a failing target as errors, not streams', async () => {
    const result = await measureStreams('http://127.0.0.1:1', streamRequest({}), {
      concurrency: 1,
      durationSeconds: 0.1,
      warmupStreams: 1,
    });
    assert.equal(result.streams, 0);
    assert.ok(result.errors > 0);
    assert.equal(result.ttfb, undefined);
  });
});
