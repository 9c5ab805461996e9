// What alerts, the status page and OpenTelemetry cost per request in the full-pipeline
// configuration: the same gateway options with and without them, in interleaved rounds.
// Run: pnpm --filter @ferry/bench bench:ops  (ROUNDS=6 REQUESTS=2000 CONCURRENCY=16)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type GatewayOptions, signRequest } from '@ferry/core';
import { handleNodeRequest } from '@ferry/core/node';
import { startMockUpstream } from '@ferry/mock-upstream';
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Pool } from 'undici';
import { fullPipelineOptions } from '../src/arms/full-pipeline.js';

const rounds = Number(process.env.ROUNDS ?? 6);
const requestsPerRound = Number(process.env.REQUESTS ?? 2_000);
const concurrency = Number(process.env.CONCURRENCY ?? 16);

// The host app's SDK: spans go through a processor to an exporter that drops them (export cost
// is the SDK's, not Ferry's); metrics aggregate in memory.
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor({ export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} }),
    ],
  }),
);
metrics.setGlobalMeterProvider(
  new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: 3_600_000,
      }),
    ],
  }),
);

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const mock = await startMockUpstream({ record: false });
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.end('{}'));
});
const receiverUrl = await listen(receiver);

async function arm(name: string, extra: Partial<GatewayOptions>) {
  const { options, clientHeaders, signing } = fullPipelineOptions(mock.url);
  // The arm's log lines are the same in both arms; silenced so the terminal shows the figures.
  const gateway = createGateway({ ...options, ...extra, logger: { level: 'silent' } });
  const server = createServer((request, response) => void handleNodeRequest(gateway, request, response));
  const url = await listen(server);
  const pool = new Pool(url, { connections: concurrency });
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const one = async () => {
    const headers = {
      'content-type': 'application/json',
      ...clientHeaders,
      ...signRequest({ ...signing, method: 'POST', url: '/v1/chat/completions', body }),
    };
    const answer = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body });
    await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`${name}: HTTP ${answer.statusCode}`);
  };
  return {
    name,
    async round() {
      let left = requestsPerRound;
      const cpu = process.cpuUsage();
      const startedAt = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left-- > 0) await one();
        }),
      );
      const wallMs = performance.now() - startedAt;
      const used = process.cpuUsage(cpu);
      return {
        rps: (requestsPerRound / wallMs) * 1_000,
        cpuUs: (used.user + used.system) / requestsPerRound,
      };
    },
    async close() {
      await pool.close();
      server.close();
      await gateway.close();
    },
  };
}

const alertsOptions: Partial<GatewayOptions> = {
  alerts: { sinks: [{ type: 'webhook', url: `${receiverUrl}/hook`, allowPrivateAddress: true }] },
};
const off = await arm('full pipeline', {});
const arms = [
  off,
  await arm('+ alerts', alertsOptions),
  await arm('+ status page', { statusPage: {} }),
  await arm('+ OpenTelemetry', { openTelemetry: {} }),
  await arm('+ all three', { ...alertsOptions, statusPage: {}, openTelemetry: {} }),
];

const results = new Map(arms.map((entry) => [entry.name, [] as Array<{ rps: number; cpuUs: number }>]));
// Warm-up, then interleaved rounds so drift on a shared machine hits both arms alike.
for (const entry of arms) await entry.round();
for (let index = 0; index < rounds; index++)
  for (const entry of index % 2 === 0 ? arms : [...arms].reverse())
    results.get(entry.name)?.push(await entry.round());

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const baseline = results.get(off.name) ?? [];
console.log(
  `${rounds} rounds × ${requestsPerRound} requests, ${concurrency} connections, mock + gateway + client in one process`,
);
for (const [name, samples] of results) {
  const rps = samples.map((sample) => sample.rps);
  const cpu = samples.map((sample) => sample.cpuUs);
  console.log(
    `${name}: ${median(rps).toFixed(0)} req/s (${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}), ` +
      `CPU ${median(cpu).toFixed(1)} µs/request (${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}); ` +
      `throughput ratio ${(median(rps) / median(baseline.map((sample) => sample.rps))).toFixed(3)}, ` +
      `CPU ratio ${(median(cpu) / median(baseline.map((sample) => sample.cpuUs))).toFixed(3)}`,
  );
}
for (const entry of arms) await entry.close();
receiver.close();
await mock.close();
