import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { GatewayOptionsError } from '../../config/options-error.js';
import type { AlertSink, AlertSinkError } from './alert-message.js';
import { createDingTalkSink } from './dingtalk-sink.js';
import { createFeishuSink } from './feishu-sink.js';
import { createSlackSink } from './slack-sink.js';
import { errorLog, type FakePlatform, startFakePlatform, testAlert } from './test-platform-server.js';
import { createWebhookSink } from './webhook-sink.js';
import { createWeComSink } from './wecom-sink.js';

const secrets = {
  dingTalkToken: 'ding-token-aaaaaaaaaaaaaaaa',
  dingTalkSecret: 'SECdingsecretbbbbbbbbbbbbbbbb',
  feishuHook: 'feishu-hook-cccccccccccccccc',
  feishuSecret: 'feishu-secret-dddddddddddddd',
  weComKey: 'wecom-key-eeeeeeeeeeeeeeeeeee',
  slackPath: 'T0000/B0000/slackffffffffffffffff',
  webhookSecret: 'webhook-secret-gggggggggggggg',
};

/** Every kind of sink, pointed at `origin`, failing fast. */
function everySink(origin: string, onError: (error: AlertSinkError) => void, timeoutMs = 300): AlertSink[] {
  const common = { allowPrivateAddress: true, timeoutMs, maxAttempts: 1, onError };
  return [
    createDingTalkSink({
      ...common,
      url: `${origin}/robot/send?access_token=${secrets.dingTalkToken}`,
      secret: secrets.dingTalkSecret,
    }),
    createFeishuSink({
      ...common,
      url: `${origin}/open-apis/bot/v2/hook/${secrets.feishuHook}`,
      secret: secrets.feishuSecret,
    }),
    createWeComSink({ ...common, url: `${origin}/cgi-bin/webhook/send?key=${secrets.weComKey}` }),
    createSlackSink({ ...common, url: `${origin}/services/${secrets.slackPath}` }),
    createWebhookSink({
      ...common,
      url: `${origin}/hook`,
      signing: { keyId: 'k', secret: secrets.webhookSecret },
    }),
  ];
}

async function run(sinks: AlertSink[]): Promise<void> {
  for (const sink of sinks) sink.notify(testAlert());
  await Promise.all(sinks.map((sink) => sink.drain()));
  await Promise.all(sinks.map((sink) => sink.close()));
}

const assertNoSecret = (errors: readonly AlertSinkError[]) => {
  const text = JSON.stringify(errors);
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(!text.includes(value) && !text.includes(encodeURIComponent(value)), `${name} leaked: ${text}`);
  }
};

describe('sinks are never a source of trouble', () => {
  const platforms: FakePlatform[] = [];
  after(() => Promise.all(platforms.map((platform) => platform.close())));

  it('a stalled platform times out, is reported, and throws into no one', async () => {
    const platform = await startFakePlatform(() => 'stall');
    platforms.push(platform);
    const { errors, onError } = errorLog();
    const startedAt = Date.now();
    await run(everySink(platform.url, onError, 300));
    assert.ok(Date.now() - startedAt < 3_000, 'bounded by the timeout');
    assert.equal(errors.length, 5);
    for (const error of errors) {
      assert.equal(error.kind, 'timeout', error.message);
      assert.match(error.message, /no answer within 300 ms/);
    }
    assertNoSecret(errors);
  });

  it('refusals and refused connections never carry a secret', async () => {
    const refusing = await startFakePlatform((request) => ({
      status: 400,
      // A platform that echoes what it got must not get the secret into our report either.
      body: { errcode: 1, code: 1, errmsg: `bad ${request.path}?${request.query}`, msg: 'bad' },
    }));
    platforms.push(refusing);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { errors, onError } = errorLog();
    await run([...everySink(refusing.url, onError), ...everySink(`http://127.0.0.1:${closedPort}`, onError)]);
    assert.equal(errors.length, 10);
    assert.deepEqual(new Set(errors.map((error) => error.kind)), new Set(['rejected', 'network']));
    assertNoSecret(errors);
  });

  it('refuses loopback unless allowPrivateAddress: a literal at construction, a name at connect', async () => {
    const platform = await startFakePlatform(() => ({ body: { errcode: 0 } }));
    platforms.push(platform);
    const port = new URL(platform.url).port;
    assert.throws(
      () =>
        createWeComSink({ url: `https://127.0.0.1:${port}/cgi-bin/webhook/send?key=${secrets.weComKey}` }),
      (error: Error) =>
        error instanceof GatewayOptionsError &&
        /url: is a private or loopback address/.test(error.message) &&
        !error.message.includes(secrets.weComKey),
    );
    assert.throws(
      () => createWebhookSink({ url: 'https://[::1]/hook' }),
      /url: is a private or loopback address/,
    );
    assert.throws(() => createWebhookSink({ url: 'https://169.254.169.254/latest' }), /url: is a private/);
    const { errors, onError } = errorLog();
    const sink = createWebhookSink({ url: `https://localhost:${port}/hook`, maxAttempts: 3, onError });
    sink.notify(testAlert());
    await sink.drain();
    await sink.close();
    assert.equal(platform.requests.length, 0, 'no connection was made');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.kind, 'address_refused');
    assert.equal(errors[0]?.willRetry, false, 'a refused address is not retried');
  });

  it('validates options once, naming the field and never repeating a secret', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => createDingTalkSink({}),
        /Invalid Ferry options — dingtalk.url: give exactly one of url and accessToken/,
      ],
      [() => createDingTalkSink({ accessToken: 't', timeoutMs: -1 }), /timeoutMs:/],
      [() => createDingTalkSink({ accessToken: 't', messagesPerMinute: 21 }), /messagesPerMinute:/],
      [
        () => createDingTalkSink({ url: 'https://oapi.dingtalk.com/robot/send' }),
        /url: must carry the access_token/,
      ],
      [() => createFeishuSink({ hookId: 'abc', format: 'html' as 'card' }), /format:/],
      [() => createFeishuSink({ hookId: 'abc', messagesPerMinute: 101 }), /messagesPerMinute:/],
      [() => createWeComSink({ key: 'k', onError: 'log' as never }), /onError: must be a function/],
      [() => createSlackSink({ url: 'not a url' }), /url: must be an absolute URL/],
      [
        () => createWebhookSink({ url: 'https://example.com', signing: { keyId: 'k', secret: 'short' } }),
        /signing.secret:/,
      ],
      [
        () => createWebhookSink({ url: 'https://example.com', extra: 1 } as never),
        /webhook: Unrecognized key/i,
      ],
    ];
    for (const [make, pattern] of cases) {
      assert.throws(
        make,
        (error: Error) => error instanceof GatewayOptionsError && pattern.test(error.message),
        String(pattern),
      );
    }
    assert.throws(
      () =>
        createDingTalkSink({
          url: `http://oapi.dingtalk.com/robot/send?access_token=${secrets.dingTalkToken}`,
          secret: secrets.dingTalkSecret,
        }),
      (error: Error) =>
        /url: must be an https: URL/.test(error.message) &&
        !error.message.includes(secrets.dingTalkToken) &&
        !error.message.includes(secrets.dingTalkSecret),
    );
  });

  it('keeps delivering when onError throws, and reports what close() leaves unsent', async () => {
    let answers = 0;
    const platform = await startFakePlatform(() =>
      ++answers === 1 ? { status: 500, body: '' } : { status: 204, body: '' },
    );
    platforms.push(platform);
    const reported: AlertSinkError[] = [];
    const sink = createWebhookSink({
      url: `${platform.url}/hook`,
      allowPrivateAddress: true,
      maxAttempts: 1,
      retryDelayMs: 0,
      rateLimit: { count: 1, windowMs: 200 },
      onError: (error) => {
        reported.push(error);
        throw new Error('a broken handler');
      },
    });
    sink.notify(testAlert());
    await sink.drain();
    const second = testAlert();
    sink.notify(second);
    await sink.drain();
    assert.equal(platform.requests.length, 2, 'the loop survived the throwing handler');
    // Paced at one per 200 ms: these wait for the next slot, and close() reports them.
    const waiting = [testAlert(), testAlert(), testAlert()];
    for (const alert of waiting) sink.notify(alert);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sink.close();
    sink.notify(testAlert({ incidentId: 'after-close' }));
    const dropped = reported.filter((error) => error.kind === 'dropped');
    assert.deepEqual(
      dropped.flatMap((error) => error.incidentIds),
      [...waiting.map((alert) => alert.incidentId), 'after-close'],
    );
    assert.equal(platform.requests.length, 2);
  });
});
