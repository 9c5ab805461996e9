// The cost of the alerts' and the status page's event listeners per request, without HTTP:
// the three events every request emits (request:start, attempt, request:end) on a gateway with
// the features off and on. Run: pnpm --filter @ferry/core bench:ops-listeners
import { createGateway, type GatewayOptions } from '../src/index.js';
import { RequestContext } from '../src/request-context.js';
import type { GatewayRequest, Usage } from '../src/types.js';

const iterations = Number(process.env.ITERATIONS ?? 500_000);
const route = { name: 'chat.completions', method: 'POST', path: '/chat/completions', json: true };
const request = {
  method: 'POST',
  path: '/v1/chat/completions',
  query: '',
  headers: { 'x-ferry-tenant': 'acme' },
  body: undefined,
  signal: AbortSignal.abort(),
} as unknown as GatewayRequest;
const usage: Usage = { promptTokens: 12, completionTokens: 30, totalTokens: 42, source: 'upstream' } as Usage;
const upstream = { url: 'http://127.0.0.1:9', local: true };

function measure(name: string, options: Partial<GatewayOptions>): number {
  const gateway = createGateway({ upstream, logger: false, ...options });
  const events = gateway.events;
  const run = (count: number) => {
    for (let index = 0; index < count; index++) {
      const context = new RequestContext(request, 'r', route, 0);
      context.model = 'gpt-4o-mini';
      if (events.wants('request:start')) events.emit('request:start', { context });
      if (events.wants('attempt'))
        events.emit('attempt', {
          context,
          upstream: 'default',
          status: 200,
          error: undefined,
          durationMs: 120,
        });
      if (events.wants('request:end'))
        events.emit('request:end', {
          context,
          status: 200,
          error: undefined,
          usage,
          durationMs: 130,
          overheadMs: 0.2,
        });
    }
  };
  run(50_000); // warm-up
  const startedAt = process.hrtime.bigint();
  run(iterations);
  const ns = Number(process.hrtime.bigint() - startedAt) / iterations;
  void gateway.close();
  console.log(`${name}: ${ns.toFixed(0)} ns per request`);
  return ns;
}

const adminKey = 'ferry-bench-admin-key-0123456789';
const sinks = [{ type: 'webhook' as const, url: 'https://alerts.invalid/hook' }];
for (let round = 0; round < 3; round++) {
  const off = measure('features off (context only)', {});
  const alerts = measure('alerts', { alerts: { sinks } });
  const status = measure('status page', { statusPage: { adminKey } });
  const both = measure('alerts + status page', { alerts: { sinks }, statusPage: { adminKey } });
  console.log(
    `round ${round + 1}: alerts +${(alerts - off).toFixed(0)} ns, status page +${(status - off).toFixed(0)} ns, both +${(both - off).toFixed(0)} ns`,
  );
}
