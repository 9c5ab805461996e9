import { startMockUpstream } from '@ferry/mock-upstream';
import type { ArmServer, ArmServerConfig } from './server-handle.js';

/** The mock upstream alone: the direct baseline, and the upstream of every other arm. */
export async function startDirect(config: Omit<ArmServerConfig, 'upstreamUrl'>): Promise<ArmServer> {
  const mock = await startMockUpstream({
    latencyMs: config.latencyMs,
    chunks: config.chunks,
    chunkIntervalMs: config.chunkIntervalMs,
    record: false,
  });
  return { url: mock.origin, close: () => mock.close() };
}
