import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { verifySignature } from '../../signing/verify-signature.js';
import {
  errorLog,
  type FakeAnswer,
  type FakePlatform,
  type ReceivedRequest,
  startFakePlatform,
  testAlert,
} from './test-platform-server.js';
import { createWebhookSink, type WebhookAlertBody } from './webhook-sink.js';

const signing = { keyId: 'ferry-alerts', secret: 'webhook-signing-secret-0123456789' };

/** A receiver that checks Ferry's signature over the raw body, as an integrator would. */
async function receiver(
  answer: (request: ReceivedRequest) => FakeAnswer = () => ({ status: 204, body: '' }),
) {
  return startFakePlatform((request) => {
    const verdict = verifySignature(
      {
        method: 'POST',
        path: request.path,
        query: request.query.toString(),
        headers: request.headers,
        body: request.raw,
      },
      { secretsFor: (id) => (id === signing.keyId ? [signing.secret] : undefined) },
    );
    if (!verdict.valid) return { status: 401, body: { error: verdict.reason } };
    return answer(request);
  });
}

const bodyOf = (request: ReceivedRequest) => JSON.parse(request.raw.toString('utf8')) as WebhookAlertBody;

describe('webhook sink', () => {
  const platforms: FakePlatform[] = [];
  after(() => Promise.all(platforms.map((platform) => platform.close())));
  const start = async (...args: Parameters<typeof receiver>) => {
    const platform = await receiver(...args);
    platforms.push(platform);
    return platform;
  };

  it('posts alert JSON signed with the request-signing scheme', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const sink = createWebhookSink({
      url: `${platform.url}/hooks/ferry?team=ops`,
      signing,
      allowPrivateAddress: true,
      onError,
    });
    const alert = testAlert({ fields: { upstream: 'openai', p99: '912 ms' } });
    sink.notify(alert);
    await sink.drain();
    await sink.close();
    assert.deepEqual(errors, []);
    const body = bodyOf(platform.requests[0] as ReceivedRequest);
    assert.equal(body.type, 'alert');
    assert.deepEqual(body.alerts, [{ ...alert, at: '2026-01-02T03:04:05.000Z' }]);
  });

  it('is refused by the receiver when signed with another secret', async () => {
    const platform = await start();
    const { errors, onError } = errorLog();
    const other = { keyId: signing.keyId, secret: 'not-the-receivers-secret-000000' };
    const sink = createWebhookSink({
      url: `${platform.url}/hooks/ferry`,
      signing: other,
      allowPrivateAddress: true,
      onError,
    });
    sink.notify(testAlert());
    await sink.drain();
    await sink.close();
    assert.equal(errors[0]?.kind, 'rejected');
    assert.equal(errors[0]?.status, 401);
    assert.ok(!JSON.stringify(errors).includes(other.secret));
  });

  it('retries a 503, then delivers; a digest carries what queued meanwhile', async () => {
    let calls = 0;
    const platform = await start(() =>
      ++calls === 1 ? { status: 503, body: 'busy' } : { status: 200, body: '{}' },
    );
    const { errors, onError } = errorLog();
    const sink = createWebhookSink({
      url: `${platform.url}/hooks/ferry`,
      signing,
      allowPrivateAddress: true,
      retryDelayMs: 50,
      onError,
    });
    const first = testAlert();
    const second = testAlert({ state: 'resolved', severity: 'info' });
    sink.notify(first);
    sink.notify(second);
    await sink.drain();
    await sink.close();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.status, 503);
    assert.equal(errors[0]?.willRetry, true);
    assert.deepEqual(errors[0]?.incidentIds, [first.incidentId]);
    const delivered = platform.requests
      .slice(1)
      .flatMap((request) => bodyOf(request).alerts.map((a) => a.incidentId));
    assert.deepEqual(delivered, [first.incidentId, second.incidentId]);
    assert.equal(bodyOf(platform.requests[1] as ReceivedRequest).type, 'digest');
  });

  it('honours Retry-After on a 429 and gives up after maxAttempts', async () => {
    const platform = await start(() => ({ status: 429, body: '', headers: { 'retry-after': '0' } }));
    const { errors, onError } = errorLog();
    const sink = createWebhookSink({
      url: `${platform.url}/hooks/ferry`,
      signing,
      allowPrivateAddress: true,
      maxAttempts: 2,
      onError,
    });
    sink.notify(testAlert());
    await sink.drain();
    await sink.close();
    assert.equal(platform.requests.length, 2);
    assert.deepEqual(
      errors.map((error) => [error.kind, error.willRetry]),
      [
        ['rate_limited', true],
        ['rate_limited', false],
      ],
    );
  });
});
