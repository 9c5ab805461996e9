import { Agent, createServer } from 'node:http';
import { createProxyMiddleware } from 'http-proxy-middleware';
import {
  type ArmServer,
  type ArmServerConfig,
  closeServer,
  listen,
  upstreamConnections,
} from './server-handle.js';

/** Peer: http-proxy-middleware 3 on `node:http`, with a keep-alive agent as its docs advise. */
export async function startHttpProxyMiddleware(config: ArmServerConfig): Promise<ArmServer> {
  const target = new URL(config.upstreamUrl).origin;
  const agent = new Agent({ keepAlive: true, maxSockets: upstreamConnections, keepAliveMsecs: 30_000 });
  const proxy = createProxyMiddleware({ target, agent, changeOrigin: true });
  const server = createServer((request, response) => {
    void proxy(request, response, () => {
      response.writeHead(404).end();
    });
  });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
}
