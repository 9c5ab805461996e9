#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { MockUpstreamOptions } from './options.js';
import { startMockUpstream } from './server.js';

const usage = `Usage: ferry-mock-upstream [options]

OpenAI-compatible mock LLM server with per-request fault injection.

Options:
  --host <host>               interface to listen on (default 127.0.0.1)
  --port <port>               port to listen on, 0 for any free port (default 4010)
  --latency-ms <ms>           delay before response headers (default 0)
  --chunks <n>                content chunks per stream (default 5)
  --chunk-interval-ms <ms>    delay between stream events (default 0)
  --content <text>            assistant text
  --api-key <key>             require "authorization: Bearer <key>" (or the WebSocket key subprotocol)
  --ws-limit-ms <ms>          how long a WebSocket may stay open (default 3600000, 60 min)
  --record / --no-record      keep every request in memory (default: off, to avoid growth)
  -h, --help                  show this help

Per request: x-mock-latency-ms, x-mock-chunks, x-mock-chunk-interval-ms, x-mock-content and
x-mock-fault headers (or a "mock-fault:<spec>" model name) override these.
WebSockets: GET /v1/realtime?model=... (Realtime GA) and GET /v1/responses (Responses WebSocket mode).`;

function readInteger(values: Record<string, unknown>, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new TypeError(`--${name} needs a whole number, got '${String(value)}'`);
  }
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string', default: '4010' },
      'latency-ms': { type: 'string' },
      chunks: { type: 'string' },
      'chunk-interval-ms': { type: 'string' },
      content: { type: 'string' },
      'api-key': { type: 'string' },
      'ws-limit-ms': { type: 'string' },
      record: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const options: MockUpstreamOptions = {
    host: values.host,
    port: readInteger(values, 'port'),
    latencyMs: readInteger(values, 'latency-ms'),
    chunks: readInteger(values, 'chunks'),
    chunkIntervalMs: readInteger(values, 'chunk-interval-ms'),
    content: values.content,
    apiKey: values['api-key'],
    webSocketLimitMs: readInteger(values, 'ws-limit-ms'),
    record: values.record,
  };
  const mock = await startMockUpstream(options);
  console.log(`ferry mock upstream listening on ${mock.url}`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": do not wait for slow clients.
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    stopping = true;
    mock.close().then(
      () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      },
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`ferry-mock-upstream: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Try --help.');
  process.exitCode = 1;
});
