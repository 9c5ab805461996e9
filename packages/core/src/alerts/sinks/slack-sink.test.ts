import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createSlackSink } from './slack-sink.js';
import {
  errorLog,
  type FakeAnswer,
  type FakePlatform,
  PlatformRateLimit,
  type ReceivedRequest,
  startFakePlatform,
  testAlert,
} from './test-platform-server.js';
import { utf8Length } from './utf8-truncate.js';

const hookPath = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

interface SlackBody {
  text: string;
  blocks?: Array<{ type: string; text: { type: string; text: string } }>;
}

/** Slack's incoming webhook: `ok` or an error name, one message a second, 3000-character sections. */
async function fakeSlack(): Promise<FakePlatform> {
  const limit = new PlatformRateLimit([{ count: 1, windowMs: 1_000 }]);
  return startFakePlatform((request): FakeAnswer => {
    if (request.path !== hookPath) return { status: 404, body: 'no_service' };
    const body = JSON.parse(request.raw.toString('utf8')) as SlackBody;
    if (body.blocks?.some((block) => [...block.text.text].length > (block.type === 'header' ? 150 : 3_000))) {
      return { status: 400, body: 'invalid_blocks' };
    }
    if (limit.over(request.at)) return { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } };
    return { body: 'ok', headers: { 'content-type': 'text/html' } };
  });
}

const bodyOf = (request: ReceivedRequest) => JSON.parse(request.raw.toString('utf8')) as SlackBody;

describe('Slack sink', () => {
  const platforms: FakePlatform[] = [];
  after(() => Promise.all(platforms.map((platform) => platform.close())));
  const start = async () => {
    const platform = await fakeSlack();
    platforms.push(platform);
    return platform;
  };

  it('posts a header and a mrkdwn section, and folds a burst into digests a second apart', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createSlackSink({ url: `${platform.url}${hookPath}`, allowPrivateAddress: true, onError });
    const alerts = Array.from({ length: 50 }, () => testAlert({ severity: 'info', title: 'x'.repeat(400) }));
    for (const alert of alerts) sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    const [first] = platform.requests.map(bodyOf);
    assert.equal(first?.blocks?.[0]?.type, 'header');
    assert.ok(utf8Length(first?.blocks?.[0]?.text.text ?? '') <= 150);
    assert.equal(first?.blocks?.[1]?.text.type, 'mrkdwn');
    const sections = platform.requests.map((request) => bodyOf(request).blocks?.[1]?.text.text ?? '');
    for (const alert of alerts)
      assert.equal(sections.filter((text) => text.includes(alert.incidentId)).length, 1);
  });

  it('reports a 404 with its error name, without the webhook path', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const wrongPath = '/services/T11111111/B11111111/YYYYYYYYYYYYYYYYYYYYYYYY';
    const sink = createSlackSink({ url: `${platform.url}${wrongPath}`, allowPrivateAddress: true, onError });
    sink.notify(testAlert());
    await sink.drain();
    await sink.close();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.kind, 'rejected');
    assert.equal(errors[0]?.status, 404);
    assert.equal(errors[0]?.platformCode, 'no_service');
    assert.ok(!JSON.stringify(errors).includes('YYYYYYYY'));
  });
});
