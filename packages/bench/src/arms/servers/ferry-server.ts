import { startFerryServer } from '@ferry/server';
import type { ArmServer, ArmServerConfig } from './server-handle.js';

/**
 * The standalone gateway exactly as `pnpm start` and the `ferry` command run it: the
 * `@ferry/server` package on its defaults (a pino line per request, Prometheus metrics on),
 * pointed at the bench's mock through `FERRY_UPSTREAM_URL` as a user would point it at theirs.
 * The arm process discards stdout, so the log lines cost their formatting and the write.
 *
 * @example
 * const arm = await startFerryStandalone({ upstreamUrl, latencyMs: 0, chunks: 5, chunkIntervalMs: 0 });
 */
export async function startFerryStandalone(config: ArmServerConfig): Promise<ArmServer> {
  const running = await startFerryServer({
    port: 0,
    host: '127.0.0.1',
    environment: { FERRY_UPSTREAM_URL: config.upstreamUrl },
    print: () => {},
    shutdownGraceMs: 1_000,
  });
  // The bench's clients keep their connections across rounds; the other arms do the same.
  running.server.keepAliveTimeout = 65_000;
  running.server.headersTimeout = 66_000;
  return { url: running.origin, close: () => running.close() };
}
