import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createDingTalkSink, signDingTalk } from './dingtalk-sink.js';
import {
  errorLog,
  type FakePlatform,
  PlatformRateLimit,
  type ReceivedRequest,
  startFakePlatform,
  testAlert,
} from './test-platform-server.js';

const secret = 'SECd0f1e2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6';
const accessToken = 'dingtalk-access-token-0123456789';

/**
 * DingTalk's check, written from its docs (自定义机器人 加签): the sign is
 * urlEncode(base64(HmacSHA256(key = secret, message = timestamp + "\n" + secret))), with the
 * millisecond timestamp no more than an hour from now. URLSearchParams undoes the urlEncode.
 */
function dingTalkAccepts(request: ReceivedRequest, robotSecret: string): boolean {
  const timestamp = request.query.get('timestamp');
  const sign = request.query.get('sign');
  if (timestamp === null || sign === null || !/^\d{13}$/.test(timestamp)) return false;
  if (Math.abs(Date.now() - Number(timestamp)) > 3_600_000) return false;
  const expected = createHmac('sha256', Buffer.from(robotSecret, 'utf8'))
    .update(Buffer.from(`${timestamp}\n${robotSecret}`, 'utf8'))
    .digest('base64');
  return sign === expected;
}

/** A DingTalk robot: token, signature, 20 a minute per robot, body limit; its own error codes. */
async function fakeDingTalk(robotSecret = secret, maxBodyBytes = 20_000): Promise<FakePlatform> {
  const limit = new PlatformRateLimit([{ count: 20, windowMs: 60_000 }]);
  return startFakePlatform((request) => {
    if (request.query.get('access_token') !== accessToken)
      return { body: { errcode: 300001, errmsg: 'token is not exist' } };
    if (!dingTalkAccepts(request, robotSecret))
      return { body: { errcode: 310000, errmsg: 'sign not match' } };
    if (request.raw.length > maxBodyBytes) return { body: { errcode: 460101, errmsg: 'message too long' } };
    if (limit.over(request.at))
      return { body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
    return { body: { errcode: 0, errmsg: 'ok' } };
  });
}

const bodyOf = (request: ReceivedRequest) =>
  JSON.parse(request.raw.toString('utf8')) as { msgtype: string; markdown: { title: string; text: string } };

describe('DingTalk sink', () => {
  const platforms: FakePlatform[] = [];
  after(() => Promise.all(platforms.map((platform) => platform.close())));
  const start = async (...args: Parameters<typeof fakeDingTalk>) => {
    const platform = await fakeDingTalk(...args);
    platforms.push(platform);
    return platform;
  };

  it('signs as the worked example computes it (an independent HMAC, in Python)', () => {
    // python: base64.b64encode(hmac.new(secret, f"{ts}\n{secret}", sha256).digest())
    assert.equal(signDingTalk(secret, 1718000000000), '+G1E6gM8kMOKw4Cp9TaYSv13Ly0Apmb5E4UlHb1HNBU=');
  });

  it('delivers a signed markdown message that DingTalk accepts', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createDingTalkSink({
      url: `${platform.url}/robot/send?access_token=${accessToken}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    const alert = testAlert({
      title: '上游 openai 熔断',
      fields: { upstream: 'openai', code: 'upstream_circuit_open' },
    });
    sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    assert.equal(platform.requests.length, 1);
    const request = platform.requests[0] as ReceivedRequest;
    // The sign travels URL-encoded: `+`, `/` and `=` never appear raw in the query.
    assert.match(request.rawUrl, /[?&]sign=[A-Za-z0-9%]+(&|$)/);
    assert.match(request.rawUrl, /[?&]timestamp=\d{13}(&|$)/);
    assert.match(request.headers['content-type'] ?? '', /application\/json/);
    const body = bodyOf(request);
    assert.equal(body.msgtype, 'markdown');
    assert.match(body.markdown.title, /CRITICAL · firing\] 上游 openai 熔断/);
    assert.match(body.markdown.text, new RegExp(alert.incidentId));
    assert.match(body.markdown.text, /\*\*code\*\*: upstream_circuit_open/);
  });

  it('folds a burst of 50 alerts into a digest without losing one, within 20 a minute', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createDingTalkSink({
      url: `${platform.url}/robot/send?access_token=${accessToken}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    const alerts = Array.from({ length: 50 }, (_, index) =>
      testAlert({ severity: index % 3 === 0 ? 'warning' : 'critical' }),
    );
    for (const alert of alerts) sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, [], 'no send was refused, none hit the rate limit');
    // The first went out alone; the other 49 waited for the next slot and went as one digest.
    assert.equal(platform.requests.length, 2);
    const [single, digest] = platform.requests.map((request) => bodyOf(request).markdown.text);
    assert.match(single as string, new RegExp(alerts[0]?.incidentId as string));
    for (const alert of alerts.slice(1)) assert.ok(digest?.includes(alert.incidentId), alert.incidentId);
    assert.match(digest as string, /Ferry alerts: 49 \(33 critical, 16 warning\)/);
    const gap = (platform.requests[1]?.at ?? 0) - (platform.requests[0]?.at ?? 0);
    assert.ok(gap >= 2_900, `sends spaced for 20 a minute (${gap} ms)`);
  });

  it('reports errcode ≠ 0 on HTTP 200 as a failure, without the secret or the token', async () => {
    const platform = await start('SEC-the-robot-has-another-secret');
    const { errors, onError } = errorLog();
    const sink = createDingTalkSink({
      url: `${platform.url}/robot/send?access_token=${accessToken}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    const alert = testAlert();
    sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.equal(platform.requests.length, 1, 'a refusal is not retried');
    assert.equal(errors.length, 1);
    const [error] = errors;
    assert.equal(error?.kind, 'rejected');
    assert.equal(error?.platformCode, 310000);
    assert.equal(error?.status, 200);
    assert.equal(error?.willRetry, false);
    assert.deepEqual(error?.incidentIds, [alert.incidentId]);
    assert.match(error?.message ?? '', /sign not match/);
    const text = JSON.stringify(errors);
    assert.ok(!text.includes(secret) && !text.includes(accessToken), text);
  });

  it('cuts an oversized alert to the body limit at a character boundary', async () => {
    const platform = await start(secret, 20_000);
    const { errors, onError } = errorLog();
    const sink = createDingTalkSink({
      url: `${platform.url}/robot/send?access_token=${accessToken}`,
      secret,
      allowPrivateAddress: true,
      onError,
    });
    const alert = testAlert({ text: '上游超时🔥'.repeat(2_000) }); // 26 000 bytes of text
    sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    const request = platform.requests[0] as ReceivedRequest;
    assert.ok(request.raw.length <= 20_000 && request.raw.length > 19_000, String(request.raw.length));
    const text = bodyOf(request).markdown.text;
    assert.ok(!text.includes('\uFFFD'), 'no broken character');
    assert.match(text, /上游超时🔥…/);
    assert.match(text, new RegExp(alert.incidentId), 'the incident id survives the cut');
  });
});
