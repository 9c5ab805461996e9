import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createFeishuSink, createLarkSink, signFeishu } from './feishu-sink.js';
import {
  errorLog,
  type FakePlatform,
  PlatformRateLimit,
  type ReceivedRequest,
  startFakePlatform,
  testAlert,
} from './test-platform-server.js';

const secret = 'feishu-test-secret';
const hookId = '5e3d587e-d78e-4a07-bd07-265f269f86fd';

interface FeishuBody {
  timestamp?: string;
  sign?: string;
  msg_type: string;
  card: { header: { template: string; title: { content: string } }; elements: Array<{ content: string }> };
}

/**
 * Feishu's check, written from its docs (自定义机器人 签名校验): the sign is
 * base64(HmacSHA256(key = timestamp + "\n" + secret, message = "")), the timestamp in SECONDS
 * and within an hour of now, both in the JSON body.
 */
function feishuAccepts(body: FeishuBody, botSecret: string): boolean {
  if (body.timestamp === undefined || body.sign === undefined || !/^\d{10}$/.test(body.timestamp))
    return false;
  if (Math.abs(Date.now() / 1_000 - Number(body.timestamp)) > 3_600) return false;
  const mac = createHmac('sha256', Buffer.from(`${body.timestamp}\n${botSecret}`, 'utf8'));
  mac.update(Buffer.alloc(0));
  return body.sign === mac.digest('base64');
}

const success = { code: 0, msg: 'success', data: {}, Extra: null, StatusCode: 0, StatusMessage: 'success' };

/** A Feishu bot: signature, 100 a minute and 5 a second, 20 KB bodies; its own error codes. */
async function fakeFeishu(botSecret = secret): Promise<FakePlatform> {
  const limit = new PlatformRateLimit([
    { count: 100, windowMs: 60_000 },
    { count: 5, windowMs: 1_000 },
  ]);
  return startFakePlatform((request) => {
    if (request.path !== `/open-apis/bot/v2/hook/${hookId}`)
      return {
        status: 404,
        body: { code: 19001, msg: 'param invalid: incoming webhook access token invalid' },
      };
    if (request.raw.length > 20_000)
      return { status: 400, body: { code: 9499, msg: 'Bad Request', data: {} } };
    const body = JSON.parse(request.raw.toString('utf8')) as FeishuBody;
    if (!feishuAccepts(body, botSecret)) {
      return {
        body: {
          code: 19021,
          msg: 'sign match fail or timestamp is not within one hour from current time',
          data: {},
        },
      };
    }
    if (limit.over(request.at))
      return {
        body: { code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]', data: {} },
      };
    return { body: success };
  });
}

const bodyOf = (request: ReceivedRequest) => JSON.parse(request.raw.toString('utf8')) as FeishuBody;

describe('Feishu and Lark sinks', () => {
  const platforms: FakePlatform[] = [];
  after(() => Promise.all(platforms.map((platform) => platform.close())));
  const start = async (botSecret?: string) => {
    const platform = await fakeFeishu(botSecret);
    platforms.push(platform);
    return platform;
  };

  it('signs as the worked example computes it (an independent HMAC, in Python)', () => {
    // python: base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", sha256).digest())
    assert.equal(signFeishu(secret, 1599360473), '7Gq8ROqhtzskcbk2fAPXpWnrRaTUDD2iIHvbmt3/cuo=');
  });

  it('posts Feishu bots to open.feishu.cn and Lark bots to open.larksuite.com', async () => {
    const feishu = createFeishuSink({ hookId });
    const lark = createLarkSink({ hookId });
    const larkByRegion = createFeishuSink({ hookId, region: 'lark' });
    assert.equal(feishu.origin, 'https://open.feishu.cn');
    assert.equal(lark.origin, 'https://open.larksuite.com');
    assert.equal(larkByRegion.origin, 'https://open.larksuite.com');
    assert.equal(lark.name, 'lark');
    await Promise.all([feishu.close(), lark.close(), larkByRegion.close()]);
  });

  it('delivers a signed card that Feishu accepts', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createFeishuSink({
      url: `${platform.url}/open-apis/bot/v2/hook/${hookId}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    const alert = testAlert({ severity: 'warning', title: '首字节延迟超过 SLO' });
    sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    const body = bodyOf(platform.requests[0] as ReceivedRequest);
    assert.equal(body.msg_type, 'interactive');
    assert.equal(body.card.header.template, 'orange');
    assert.match(body.card.header.title.content, /WARNING · firing\] 首字节延迟超过 SLO/);
    assert.match(body.card.elements[0]?.content ?? '', new RegExp(alert.incidentId));
  });

  it('folds a burst of 50 alerts into one digest card, within 5 a second', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createFeishuSink({
      url: `${platform.url}/open-apis/bot/v2/hook/${hookId}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    const alerts = Array.from({ length: 50 }, () => testAlert());
    for (const alert of alerts) sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    assert.equal(platform.requests.length, 2);
    const digest = bodyOf(platform.requests[1] as ReceivedRequest);
    assert.match(digest.card.header.title.content, /^Ferry alerts: 49 \(49 critical\)$/);
    assert.equal(digest.card.header.template, 'red');
    for (const alert of alerts.slice(1))
      assert.ok(digest.card.elements[0]?.content.includes(alert.incidentId));
  });

  it('reports code ≠ 0 on HTTP 200 as a failure, without the secret or the hook id', async () => {
    const platform = await start('another-secret');
    const { errors, onError } = errorLog();
    const sink = createFeishuSink({
      url: `${platform.url}/open-apis/bot/v2/hook/${hookId}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    sink.notify(testAlert());
    await sink.drain();
    await sink.close();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.kind, 'rejected');
    assert.equal(errors[0]?.platformCode, 19021);
    assert.equal(errors[0]?.willRetry, false);
    const text = JSON.stringify(errors);
    assert.ok(!text.includes(secret) && !text.includes(hookId), text);
  });

  it('keeps a huge alert under 20 KB, cut at a character boundary', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createFeishuSink({
      url: `${platform.url}/open-apis/bot/v2/hook/${hookId}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    sink.notify(testAlert({ text: '熔断器打开😱'.repeat(3_000), state: 'resolved' }));
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    const request = platform.requests[0] as ReceivedRequest;
    assert.ok(request.raw.length <= 20_000, String(request.raw.length));
    const body = bodyOf(request);
    assert.equal(body.card.header.template, 'green');
    assert.ok(!body.card.elements[0]?.content.includes('\uFFFD'));
  });
});
