/**
 * Entry point of an arm's own process: starts one server, reports its URL to the bench over
 * IPC, answers resource-usage questions, and exits cleanly on `stop` (so `--cpu-prof` writes
 * its profile). Messages: see `ArmMessage`.
 */
import type { SigningKey } from '../load/signing.js';
import type { ArmKind } from './arm-kinds.js';
import type { ArmServer, ArmServerConfig } from './servers/server-handle.js';

/** What the parent sends: the kind and the server config, as JSON in argv[2]. */
export interface ArmProcessConfig extends ArmServerConfig {
  kind: Exclude<ArmKind, 'nginx'>;
}

/** Messages from the arm process to the bench. */
export type ArmMessage =
  | { type: 'ready'; url: string; headers: Record<string, string>; signing: SigningKey | undefined }
  | { type: 'failed'; message: string }
  | { type: 'usage'; cpuMicros: number; maxRssBytes: number };

type Starter = (config: ArmServerConfig) => Promise<ArmServer>;

// Loaded on demand: an arm's process holds only its own server's modules, so its memory
// figures are its own.
const starters: Record<ArmProcessConfig['kind'], () => Promise<Starter>> = {
  direct: async () => (await import('./servers/direct.js')).startDirect,
  'node-floor': async () => (await import('./servers/node-floor.js')).startNodeFloor,
  'ferry-core': async () => {
    const { startFerryCore } = await import('./servers/ferry-core.js');
    return (config) => startFerryCore(config);
  },
  'ferry-full': async () => {
    const { startFerryCore } = await import('./servers/ferry-core.js');
    return (config) => startFerryCore(config, true);
  },
  'ferry-express': async () => (await import('./servers/ferry-express.js')).startFerryExpress,
  'ferry-front-express': async () =>
    (await import('./servers/ferry-front-express.js')).startFerryFrontExpress,
  'ferry-server': async () => (await import('./servers/ferry-server.js')).startFerryStandalone,
  'ferry-koa': async () => (await import('./servers/ferry-koa.js')).startFerryKoa,
  'http-proxy-middleware': async () =>
    (await import('./servers/http-proxy-middleware.js')).startHttpProxyMiddleware,
  'fastify-reply-from': async () => (await import('./servers/fastify-reply-from.js')).startFastifyReplyFrom,
};

const send = (message: ArmMessage) => process.send?.(message);

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ArmProcessConfig;
  const load = starters[config.kind];
  if (load === undefined) throw new Error(`unknown arm kind ${config.kind}`);
  const server = await (await load())(config);
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'usage') {
      const cpu = process.cpuUsage();
      // maxRSS is in KiB: the peak resident set of this process so far.
      send({
        type: 'usage',
        cpuMicros: cpu.user + cpu.system,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      });
    } else if (message.type === 'stop') {
      const exit = () => process.exit(0);
      // A server that will not close in time must not hold the whole run.
      setTimeout(exit, 2_000).unref();
      server.close().then(exit, exit);
    }
  });
  // The bench going away (crash, Ctrl-C) must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: server.url, headers: server.headers ?? {}, signing: server.signing });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
