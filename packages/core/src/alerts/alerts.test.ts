import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { GatewayOptionsError } from '../config/options-error.js';
import { createGateway } from '../gateway.js';
import type { GatewayOptions } from '../options.js';
import { captureLogs, eventually, send, startGatewayServer } from '../testing/index.js';
import type { AlertsOptions } from './alerts-options.js';
import { type FakePlatform, startFakePlatform } from './sinks/test-platform-server.js';

interface ReceivedAlert {
  state: string;
  title: string;
  incidentId: string;
  severity: string;
  fields?: Record<string, string>;
}

const chat = (extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...extra },
  body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
});

/** Polls `check` every 50 ms for up to `ms` (reminders need seconds, more than `eventually` waits). */
async function within(ms: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not reached within ${ms} ms`);
    await sleep(50);
  }
}

describe('alerts from the gateway events', () => {
  let mock: MockUpstream;
  let receiver: FakePlatform;
  const received = (): ReceivedAlert[] =>
    receiver.requests.flatMap(
      (request) => (JSON.parse(request.raw.toString()) as { alerts: ReceivedAlert[] }).alerts,
    );
  const webhook = () => ({
    type: 'webhook' as const,
    url: `${receiver.url}/hook`,
    allowPrivateAddress: true,
    rateLimit: { count: 1_000, windowMs: 1_000 },
  });
  const alertsOf = (alerts: Partial<AlertsOptions> = {}): AlertsOptions => ({
    sinks: [webhook()],
    evaluateIntervalMs: 100,
    ...alerts,
  });
  const start = (options: Partial<GatewayOptions>) =>
    startGatewayServer({ upstream: { name: 'main', url: mock.url, local: true }, ...options });

  before(async () => {
    mock = await startMockUpstream({ chunks: 2, record: false });
    receiver = await startFakePlatform(() => ({ body: {} }));
  });
  after(async () => {
    await mock.close();
    await receiver.close();
  });

  it('one alert is not sent 100–200 times: 150 failing requests over many evaluations are one firing alert', async () => {
    receiver.requests.length = 0;
    const ferry = await start({ alerts: alertsOf({ conditions: { errorRate: { minEvents: 10 } } }) });
    try {
      // 15 batches of 10 failing requests, 100 ms apart: about 15 evaluations see the condition.
      for (let batch = 0; batch < 15; batch++) {
        await Promise.all(
          Array.from({ length: 10 }, () =>
            send(`${ferry.url}/chat/completions`, chat({ 'x-mock-fault': 'status=500' })),
          ),
        );
        await sleep(100);
      }
      await sleep(300);
      const alerts = received().filter((alert) => alert.title === 'Upstream error rate high: main');
      assert.equal(alerts.length, 1, JSON.stringify(alerts));
      assert.equal(alerts[0]?.state, 'firing');
      assert.equal(alerts[0]?.severity, 'critical');
      assert.equal(alerts[0]?.fields?.upstream, 'main');
    } finally {
      await ferry.close();
    }
  });

  it('one alert for 150 requests over a soft budget, however many budget events they raise', async () => {
    receiver.requests.length = 0;
    const ferry = await start({
      clientKeys: ['sk-budget-client-0001'],
      budgets: { perKey: { softDailyUsd: 0 } },
      alerts: alertsOf(),
    });
    let events = 0;
    ferry.gateway.events.on('budget', () => events++);
    try {
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 15 }, () =>
            send(`${ferry.url}/chat/completions`, chat({ authorization: 'Bearer sk-budget-client-0001' })),
          ),
        );
        await sleep(50);
      }
      await sleep(300);
      assert.equal(events, 150);
      const alerts = received().filter((alert) => alert.title.startsWith('Soft budget reached: key '));
      assert.equal(alerts.length, 1, JSON.stringify(alerts));
      assert.equal(alerts[0]?.severity, 'warning');
      // Named by the key id, as in the logs, never by the key.
      assert.ok(!JSON.stringify(receiver.requests.map((r) => r.raw.toString())).includes('sk-budget-client'));
    } finally {
      await ferry.close();
    }
  });

  it('no "hanging request" alert before the threshold: slow requests under the SLO never fire, over it they do', async () => {
    receiver.requests.length = 0;
    const ferry = await start({
      alerts: alertsOf({ conditions: { latency: { p99Ms: 1_500, minEvents: 10 } } }),
    });
    try {
      // 20 requests at 100 ms, and one still in flight far longer: none has ended over the SLO.
      // (The SLO is far from both, so a loaded machine cannot push the fast ones over it.)
      const hanging = send(`${ferry.url}/chat/completions`, chat({ 'x-mock-latency-ms': '3000' }));
      await Promise.all(
        Array.from({ length: 20 }, () =>
          send(`${ferry.url}/chat/completions`, chat({ 'x-mock-latency-ms': '100' })),
        ),
      );
      await sleep(800); // several evaluations, while the long request is still running
      assert.deepEqual(
        received().filter((alert) => alert.title === 'P99 latency over the SLO'),
        [],
        'nothing fires while every finished request is under the SLO',
      );
      await hanging;
      // One slow request in 21 is more than 1 %: P99 is now over the SLO.
      await within(3_000, () => received().some((alert) => alert.title === 'P99 latency over the SLO'));
      const [alert] = received().filter((entry) => entry.title === 'P99 latency over the SLO');
      assert.equal(alert?.state, 'firing');
      assert.equal(alert?.fields?.slo, '1500 ms');
    } finally {
      await ferry.close();
    }
  });

  it('the latency SLO defaults to the mission’s 800 ms', () => {
    const gateway = createGateway({
      logger: false,
      upstream: { url: mock.url, local: true },
      alerts: alertsOf(),
    });
    void gateway.close();
    // The default is stated once, in the schema; read it through a full parse.
    return import('./alerts-options.js').then(({ alertsOptionsSchema }) => {
      const parsed = alertsOptionsSchema.parse({ sinks: [webhook()] });
      assert.ok(parsed.conditions.latency !== false && parsed.conditions.latency.p99Ms === 800);
      assert.ok(parsed.conditions.firstByte !== false && parsed.conditions.firstByte.p99Ms === 800);
    });
  });

  it('a breaker that opens fires, and resolves once it stays closed', async () => {
    receiver.requests.length = 0;
    const ferry = await start({
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
      alerts: alertsOf({ resolveAfterMs: 300 }),
    });
    try {
      for (let index = 0; index < 4; index++)
        await send(`${ferry.url}/chat/completions`, chat({ 'x-mock-fault': 'status=500' }));
      await eventually(async () => received().some((alert) => alert.title === 'Circuit open: main'));
      await sleep(400); // half-open after the reset timeout
      const ok = await send(`${ferry.url}/chat/completions`, chat());
      assert.equal(ok.status, 200);
      await eventually(async () =>
        received().some((alert) => alert.title === 'Circuit open: main' && alert.state === 'resolved'),
      );
      const states = received()
        .filter((alert) => alert.title === 'Circuit open: main')
        .map((alert) => alert.state);
      assert.deepEqual(states, ['firing', 'resolved']);
      const ids = new Set(
        received()
          .filter((alert) => alert.title === 'Circuit open: main')
          .map((alert) => alert.incidentId),
      );
      assert.equal(ids.size, 1, 'the resolution names the incident it ends');
    } finally {
      await ferry.close();
    }
  });

  it('reminds at the interval while the incident lasts', async () => {
    receiver.requests.length = 0;
    const ferry = await start({
      clientKeys: ['sk-budget-client-0002'],
      budgets: { perKey: { dailyUsd: 0 } },
      alerts: alertsOf({ reminderIntervalMs: 1_000 }),
    });
    try {
      const keep = setInterval(
        () =>
          void send(`${ferry.url}/chat/completions`, chat({ authorization: 'Bearer sk-budget-client-0002' })),
        100,
      );
      const states = () =>
        received()
          .filter((alert) => alert.title.startsWith('Hard budget reached'))
          .map((alert) => alert.state);
      try {
        await within(6_000, () => states().filter((state) => state === 'reminder').length >= 2);
      } finally {
        clearInterval(keep);
      }
      const reminders = received().filter(
        (alert) => alert.title.startsWith('Hard budget reached') && alert.state === 'reminder',
      );
      assert.equal(new Set(reminders.map((alert) => alert.incidentId)).size, 1);
      assert.deepEqual(states().slice(0, 3), ['firing', 'reminder', 'reminder']);
    } finally {
      await ferry.close();
    }
  });

  it('a failing sink never slows or fails a request', async () => {
    const stalled = await startFakePlatform(() => 'stall');
    const logs = captureLogs('warn');
    const authorization = 'Bearer sk-budget-client-0003';
    const ferry = await start({
      logger: logs.logger,
      clientKeys: ['sk-budget-client-0003'],
      budgets: { perKey: { softDailyUsd: 0 } },
      alerts: {
        sinks: [{ type: 'webhook', url: `${stalled.url}/hook`, allowPrivateAddress: true, timeoutMs: 2_000 }],
        evaluateIntervalMs: 100,
      },
    });
    try {
      await send(`${ferry.url}/chat/completions`, chat({ authorization }));
      await eventually(async () => stalled.requests.length > 0); // the sink is now stuck on its send
      const startedAt = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => send(`${ferry.url}/chat/completions`, chat({ authorization }))),
      );
      const elapsed = performance.now() - startedAt;
      for (const answer of answers) assert.equal(answer.status, 200);
      assert.ok(elapsed < 1_000, `requests waited on the sink: ${elapsed} ms`);
      await eventually(async () => logs.lines.some((line) => line.includes('alert not delivered')));
    } finally {
      await ferry.close();
      await stalled.close();
    }
  });

  it('secrets never appear in logs, even when every sink fails', async () => {
    const refusing = await startFakePlatform(() => ({
      body: {
        errcode: 310000,
        errmsg: 'sign not match: token=ding-token-LOGCANARY-77 secret=SECLOGCANARY88',
      },
    }));
    const logs = captureLogs('debug');
    const ferry = await start({
      logger: logs.logger,
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
      alerts: {
        sinks: [
          {
            type: 'dingtalk',
            url: `${refusing.url}/robot/send?access_token=ding-token-LOGCANARY-77`,
            secret: 'SECLOGCANARY88',
            allowPrivateAddress: true,
            maxAttempts: 1,
          },
          {
            type: 'wecom',
            url: `${refusing.url}/cgi-bin/webhook/send?key=wecom-key-LOGCANARY-99`,
            allowPrivateAddress: true,
            maxAttempts: 1,
          },
        ],
        evaluateIntervalMs: 100,
      },
    });
    try {
      for (let index = 0; index < 4; index++)
        await send(`${ferry.url}/chat/completions`, chat({ 'x-mock-fault': 'status=500' }));
      await eventually(
        async () => logs.lines.filter((line) => line.includes('alert not delivered')).length >= 2,
      );
      const text = logs.lines.join('');
      // The refusal echoes the DingTalk credentials through the WeCom sink too: the log strips them all.
      assert.match(text, /\[redacted\]/);
      for (const secret of ['ding-token-LOGCANARY-77', 'SECLOGCANARY88', 'wecom-key-LOGCANARY-99'])
        assert.ok(!text.includes(secret), `${secret} leaked into the log`);
    } finally {
      await ferry.close();
      await refusing.close();
    }
  });

  it('sink URLs pass the private-address guard unless allowed', async () => {
    const guarded = await startFakePlatform(() => ({ body: {} }));
    const logs = captureLogs('warn');
    const ferry = await start({
      logger: logs.logger,
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
      // `localhost` is a name, so only the connect-time guard can refuse it.
      alerts: alertsOf({
        sinks: [
          {
            type: 'webhook',
            url: guarded.url.replace('http://127.0.0.1', 'https://localhost'),
            maxAttempts: 1,
          },
        ],
      }),
    });
    try {
      for (let index = 0; index < 4; index++)
        await send(`${ferry.url}/chat/completions`, chat({ 'x-mock-fault': 'status=500' }));
      const line = await logs.waitFor((entry) => entry.msg === 'alert not delivered');
      assert.equal((line.alertSink as { kind: string }).kind, 'address_refused');
      assert.equal(guarded.requests.length, 0);
    } finally {
      await ferry.close();
      await guarded.close();
    }
  });

  it('names a bad sink option under alerts.sinks', () => {
    assert.throws(
      () =>
        createGateway({
          logger: false,
          upstream: { url: mock.url, local: true },
          alerts: { sinks: [{ type: 'dingtalk', url: 'http://10.0.0.1/robot/send?access_token=t' }] },
        }),
      (error: unknown) =>
        error instanceof GatewayOptionsError &&
        /alerts\.sinks\.0\.url: must be an https: URL/.test(error.message) &&
        !error.message.includes('access_token=t'),
    );
    assert.throws(
      () =>
        createGateway({
          logger: false,
          upstream: { url: mock.url, local: true },
          alerts: { sinks: [{ type: 'pager' }] } as never,
        }),
      GatewayOptionsError,
    );
  });
});
