import type { Server } from 'node:http';

/**
 * Stops a server the way a supervisor expects: no new connections, in-flight requests and
 * streams finish for up to `graceMs`, then the connections still open are cut. Resolves once
 * the server is closed.
 *
 * @example
 * process.once('SIGTERM', () => closeGracefully(server, 10_000).then(() => process.exit(0)));
 */
export async function closeGracefully(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // close() only drops the connections idle right now; a keep-alive connection whose last
  // response ends later would hold the server open until its keep-alive timeout.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  // Streams can run for minutes; after the grace period the remaining ones are cut (the bridge
  // then aborts their upstream requests).
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
