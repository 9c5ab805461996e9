import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SigningKey } from '../../load/signing.js';

/** What every arm server returns once it listens. */
export interface ArmServer {
  /** Origin the load generator sends to, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Headers every request to this arm needs (client keys of the full pipeline). */
  headers?: Record<string, string>;
  /** When the arm verifies signatures: the key the load generator signs every request with. */
  signing?: SigningKey;
  close(): Promise<void>;
}

/** What an arm server is started with. */
export interface ArmServerConfig {
  /** The mock upstream's API base, e.g. `http://127.0.0.1:40000/v1` (not for `direct`). */
  upstreamUrl: string;
  latencyMs: number;
  chunks: number;
  chunkIntervalMs: number;
}

/** Pooled connections to the upstream: one per client connection at the mission's load. */
export const upstreamConnections = 1024;

/**
 * Backlog of every listening socket the bench starts. Node's default (511) overflows when 1000
 * connections arrive at once: the kernel drops the surplus and the clients retry after 1 s,
 * 3 s, ..., which would show up as seconds of latency that no proxy caused. The kernel caps it
 * at `net.core.somaxconn`.
 */
export const listenBacklog = 4096;

/** Listens on a free loopback port; client keep-alive outlives the pauses between rounds. */
export async function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: listenBacklog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server and the keep-alive sockets the load generator left open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
