import { createServer } from 'node:http';
import type { GatewayOptions } from '@ferry/core';
import { acceptLanes } from '@ferry/core/node';
import Koa from 'koa';
import { passthroughOptions } from './ferry-core.js';
import { type ArmServer, type ArmServerConfig, closeServer, listen } from './server-handle.js';

type KoaAdapter = { ferry(options: GatewayOptions): Koa.Middleware };

/** Ferry mounted in a Koa 3 app with `app.use(ferry(options))`, as the README shows. */
export async function startFerryKoa(config: ArmServerConfig): Promise<ArmServer> {
  // Loaded by name at run time: the arm reports a clean skip when the adapter is not built.
  const adapter = '@ferry/koa';
  const { ferry } = (await import(adapter)) as KoaAdapter;
  const app = new Koa();
  app.use(ferry(passthroughOptions(config.upstreamUrl)));
  const server = createServer(app.callback());
  const url = await listen(server);
  // As Ferry's docs advise for a server that may be saturated: new connections are not starved.
  await acceptLanes(server);
  return { url, close: () => closeServer(server) };
}
