import { createServer } from 'node:http';
import { createGateway, type GatewayOptions } from '@ferry/core';
import { acceptLanes, handleNodeRequest } from '@ferry/core/node';
import { fullPipelineOptions } from '../full-pipeline.js';
import { type ArmServer, type ArmServerConfig, closeServer, listen } from './server-handle.js';

/** Ferry with every optional feature off and no logging: forwarding and nothing else. */
export const passthroughOptions = (upstreamUrl: string): GatewayOptions => ({
  upstream: { name: 'mock', url: upstreamUrl, local: true },
  logger: false,
});

/** Ferry core on a bare `node:http` server through the Node bridge. */
export async function startFerryCore(config: ArmServerConfig, full = false): Promise<ArmServer> {
  const { options, clientHeaders, signing } = full
    ? fullPipelineOptions(config.upstreamUrl)
    : { options: passthroughOptions(config.upstreamUrl), clientHeaders: {}, signing: undefined };
  const gateway = createGateway(options);
  await gateway.ready();
  const server = createServer((request, response) => {
    void handleNodeRequest(gateway, request, response);
  });
  const url = await listen(server);
  // As Ferry's docs advise for a server that may be saturated: new connections are not starved.
  await acceptLanes(server);
  return {
    url,
    headers: clientHeaders,
    ...(signing === undefined ? {} : { signing }),
    close: async () => {
      await closeServer(server);
      await gateway.close();
    },
  };
}
