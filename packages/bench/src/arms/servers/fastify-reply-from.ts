import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import type { ArmServer, ArmServerConfig } from './server-handle.js';
import { listenBacklog, upstreamConnections } from './server-handle.js';

/**
 * Peer: Fastify 5 with @fastify/reply-from (undici underneath). The request body is passed
 * on as the raw stream: no JSON parse and re-serialise, as for every other proxy arm.
 * (A buffer parser would not do: reply-from JSON-encodes any non-stream body sent as JSON.)
 */
export async function startFastifyReplyFrom(config: ArmServerConfig): Promise<ArmServer> {
  const base = new URL(config.upstreamUrl).origin;
  const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  await app.register(replyFrom, {
    base,
    undici: { connections: upstreamConnections, pipelining: 1, keepAliveTimeout: 30_000 },
  });
  app.all('/*', (request, reply) => reply.from(request.url));
  await app.listen({ port: 0, host: '127.0.0.1', backlog: listenBacklog });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
