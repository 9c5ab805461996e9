import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A redis-server of the test's own, so it can be paused, killed and restarted. */
export interface PrivateRedis {
  port: number;
  url: string;
  /** A client for assertions and `CLIENT PAUSE` (reconnects after a restart). */
  admin: Redis;
  /** SIGKILL: the server dies without a goodbye, as in a crash. */
  kill(): Promise<void>;
  /** Starts the server again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A free port, found by binding port 0 (redis-server itself needs a concrete port). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child.once('error', (error) => {
    throw new Error(`redis-server could not start (is it installed?): ${error.message}`);
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    if (output.includes('Ready to accept connections')) break;
  }
  child.stdout?.resume();
  return child;
}

/**
 * Starts a private redis-server on a free port (no persistence).
 *
 * @example
 * const redis = await startPrivateRedis();
 * await redis.admin.client('PAUSE', 500, 'ALL');
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child = await startServer(port);
  const admin = new Redis(port, '127.0.0.1', { retryStrategy: () => 50, maxRetriesPerRequest: 1 });
  admin.on('error', () => {});
  const stopChild = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    admin,
    kill: stopChild,
    async restart() {
      child = await startServer(port);
    },
    async stop() {
      admin.disconnect();
      await stopChild();
    },
  };
}
