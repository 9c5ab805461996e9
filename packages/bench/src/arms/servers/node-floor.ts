import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';
import {
  type ArmServer,
  type ArmServerConfig,
  closeServer,
  listen,
  upstreamConnections,
} from './server-handle.js';

// Self-contained on purpose: the floor shares no code with Ferry (not even this header list),
// or a change in Ferry would move the baseline it is judged against.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'content-length',
]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const result: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !hopByHop.has(name)) result[name] = value;
  }
  return result;
}

function drainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * The Node floor: what a correct proxy on `node:http` + undici costs at the least. It does
 * what any gateway must (hop-by-hop headers out, streaming with backpressure, abort when the
 * client leaves) and nothing else. Ferry's throughput is judged against it.
 */
export async function startNodeFloor(config: ArmServerConfig): Promise<ArmServer> {
  const upstream = new URL(config.upstreamUrl);
  const pool = new Pool(upstream.origin, {
    connections: upstreamConnections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const controller = new AbortController();
    response.once('close', () => {
      if (!response.writableEnded) controller.abort();
    });
    try {
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      const body = hasBody ? await readBody(request) : undefined;
      const answer = await pool.request({
        method: request.method as 'POST',
        path: request.url ?? '/',
        headers: forwardable(request.headers),
        body,
        signal: controller.signal,
      });
      response.writeHead(answer.statusCode, forwardable(answer.headers));
      for await (const chunk of answer.body) {
        if (!response.write(chunk)) await drainOrClose(response);
      }
      response.end();
    } catch {
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(
          '{"error":{"message":"upstream failed","type":"server_error","param":null,"code":null}}',
        );
      } else {
        response.destroy();
      }
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      await closeServer(server);
      await pool.close();
    },
  };
}
