// @ts-check
import { once } from 'node:events';
import { createServer } from 'node:http';
import { ferry } from '@ferry/express';
import { startMockUpstream } from '@ferry/mock-upstream';
import express from 'express';

/**
 * The back office's API contract: every answer is `{ code, msg, data }`, `code` 0 on success and
 * the HTTP status otherwise. JSONata expressions (https://jsonata.org), compiled once at start.
 */
export const backOfficeEnvelope = {
  name: 'back-office',
  clients: ['erp'],
  answer: `{
    "code": 0,
    "msg": "ok",
    "data": {
      "answer": text,
      "finish": answer.choices[0].finish_reason,
      "tokens": usage.total_tokens,
      "model": model,
      "ticket": request.metadata.ticket
    }
  }`,
  error: '{ "code": status, "msg": error.message, "data": null }',
  stream: {
    // One JSON object per line: the back office's stream reader splits on newlines.
    format: /** @type {const} */ ('ndjson'),
    delta: '{ "code": 0, "delta": text }',
    final: '{ "code": 0, "msg": "ok", "data": { "answer": text, "done": true } }',
  },
};

/**
 * @typedef {object} EnvelopeSettings
 * @property {string} [upstreamUrl] An OpenAI-compatible API base. Default: a mock upstream in this process.
 * @property {string} [upstreamApiKey]
 * @property {number} [port] Default 8789; 0 picks a free port.
 * @property {import('@ferry/core').GatewayOptions['logger']} [logger]
 */

/**
 * Starts Express with Ferry at `/v1`. The ERP's key (`sk-erp-demo`) gets the back-office
 * envelope; any other client key (`sk-app-demo`) gets plain OpenAI answers.
 *
 * @param {EnvelopeSettings} [settings]
 * @example
 * const running = await startGateway({ port: 0 });
 * await fetch(`${running.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-erp-demo' }, body });
 */
export async function startGateway(settings = {}) {
  const mock =
    settings.upstreamUrl === undefined
      ? await startMockUpstream({ content: 'Order 1042 ships on Monday.', chunks: 4, record: false })
      : undefined;
  /** @type {import('@ferry/core').GatewayOptions} */
  const options = {
    upstream: {
      url: settings.upstreamUrl ?? /** @type {NonNullable<typeof mock>} */ (mock).url,
      apiKey: settings.upstreamApiKey,
      // The in-process mock listens on loopback, which only a `local` upstream may reach.
      local: settings.upstreamUrl === undefined,
    },
    clients: [
      { id: 'erp', keys: ['sk-erp-demo'] },
      { id: 'app', keys: ['sk-app-demo'] },
    ],
    responseEnvelopes: [backOfficeEnvelope],
    // Usage for every stream, so the final line and the accounting always have it.
    requestStreamUsage: true,
    logger: settings.logger,
  };
  const app = express();
  app.use(ferry(options));
  const server = createServer(app);
  server.listen(settings.port ?? 8789, '127.0.0.1');
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await mock?.close();
    },
  };
}
