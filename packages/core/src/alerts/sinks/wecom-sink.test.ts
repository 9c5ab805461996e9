import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  errorLog,
  type FakePlatform,
  PlatformRateLimit,
  type ReceivedRequest,
  startFakePlatform,
  testAlert,
} from './test-platform-server.js';
import { utf8Length } from './utf8-truncate.js';
import { createWeComSink } from './wecom-sink.js';

const key = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';

interface WeComBody {
  msgtype: 'text' | 'markdown';
  text?: { content: string };
  markdown?: { content: string };
}

/**
 * A WeCom group robot as its docs describe it: the key in the URL, 20 messages a minute,
 * text content up to 2048 bytes and markdown content up to 4096 bytes (UTF-8).
 */
async function fakeWeCom(): Promise<FakePlatform> {
  const limit = new PlatformRateLimit([{ count: 20, windowMs: 60_000 }]);
  return startFakePlatform((request) => {
    if (request.path !== '/cgi-bin/webhook/send' || request.query.get('key') !== key) {
      return { body: { errcode: 93000, errmsg: 'invalid webhook url' } };
    }
    const body = JSON.parse(request.raw.toString('utf8')) as WeComBody;
    const content = body[body.msgtype]?.content ?? '';
    const max = body.msgtype === 'text' ? 2_048 : 4_096;
    if (Buffer.byteLength(content, 'utf8') > max) {
      return { body: { errcode: 40058, errmsg: `${body.msgtype}.content exceed max length ${max}` } };
    }
    if (limit.over(request.at)) return { body: { errcode: 45009, errmsg: 'api freq out of limit' } };
    return { body: { errcode: 0, errmsg: 'ok' } };
  });
}

const contentOf = (request: ReceivedRequest) => {
  const body = JSON.parse(request.raw.toString('utf8')) as WeComBody;
  return body[body.msgtype]?.content ?? '';
};

describe('WeCom sink', () => {
  const platforms: FakePlatform[] = [];
  after(() => Promise.all(platforms.map((platform) => platform.close())));
  const start = async () => {
    const platform = await fakeWeCom();
    platforms.push(platform);
    return platform;
  };

  it('builds the qyapi.weixin.qq.com URL from the key', async () => {
    const sink = createWeComSink({ key });
    assert.equal(sink.origin, 'https://qyapi.weixin.qq.com');
    await sink.close();
  });

  it('folds a burst of 50 into digests of at most 4096 bytes, losing none, within 20 a minute', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createWeComSink({
      url: `${platform.url}/cgi-bin/webhook/send?key=${key}`,
      allowPrivateAddress: true,
      onError,
    });
    const alerts = Array.from({ length: 50 }, (_, index) => testAlert({ title: `上游 ${index} 错误率过高` }));
    for (const alert of alerts) sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    const contents = platform.requests.map(contentOf);
    // Too many for one 4096-byte digest: the rest waited for the next slot.
    assert.ok(contents.length >= 3, `${contents.length} messages`);
    for (const content of contents) assert.ok(utf8Length(content) <= 4_096);
    for (const alert of alerts) {
      const carriers = contents.filter((content) => content.includes(alert.incidentId));
      assert.equal(carriers.length, 1, `${alert.incidentId} sent exactly once`);
    }
  });

  it('cuts text messages to 2048 bytes without splitting a character', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createWeComSink({
      url: `${platform.url}/cgi-bin/webhook/send?key=${key}`,
      format: 'text',
      allowPrivateAddress: true,
      onError,
    });
    const alert = testAlert({ text: '请求失败🚨'.repeat(500) });
    sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    const content = contentOf(platform.requests[0] as ReceivedRequest);
    assert.ok(utf8Length(content) <= 2_048 && utf8Length(content) > 2_000, String(utf8Length(content)));
    assert.ok(!content.includes('\uFFFD'));
    assert.match(content, new RegExp(alert.incidentId));
  });

  it('reports errcode ≠ 0 as a failure, without the key', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const wrongKey = 'this-key-is-not-the-robots-key';
    const sink = createWeComSink({
      url: `${platform.url}/cgi-bin/webhook/send?key=${wrongKey}`,
      allowPrivateAddress: true,
      onError,
    });
    sink.notify(testAlert());
    await sink.drain();
    await sink.close();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.kind, 'rejected');
    assert.equal(errors[0]?.platformCode, 93000);
    assert.ok(!JSON.stringify(errors).includes(wrongKey));
  });
});
