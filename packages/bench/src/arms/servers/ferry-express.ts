import { createServer } from 'node:http';
import type { GatewayOptions } from '@ferry/core';
import { acceptLanes } from '@ferry/core/node';
import type { RequestHandler } from 'express';
import express from 'express';
import { passthroughOptions } from './ferry-core.js';
import { type ArmServer, type ArmServerConfig, closeServer, listen } from './server-handle.js';

type ExpressAdapter = { ferry(options: GatewayOptions): RequestHandler };

/** Ferry mounted in an Express 5 app with `app.use(ferry(options))`, as the README shows. */
export async function startFerryExpress(config: ArmServerConfig): Promise<ArmServer> {
  // Loaded by name at run time: the arm reports a clean skip when the adapter is not built.
  const adapter = '@ferry/express';
  const { ferry } = (await import(adapter)) as ExpressAdapter;
  const app = express();
  app.disable('x-powered-by');
  app.use(ferry(passthroughOptions(config.upstreamUrl)));
  const server = createServer(app);
  const url = await listen(server);
  // As Ferry's docs advise for a server that may be saturated: new connections are not starved.
  await acceptLanes(server);
  return { url, close: () => closeServer(server) };
}
