import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { type MockUpstream, startMockUpstream } from './index.js';
import { getText, postJson } from './testing/http-client.js';

describe('recording', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  beforeEach(() => mock.reset());
  after(() => mock.close());

  it('records method, path with query, headers as received and the raw body bytes', async () => {
    const rawBody = '{ "model":"gpt-4o",\n  "messages": [ {"role":"user","content":"héllo"} ] }';
    const response = await request(`${mock.url}/chat/completions?trace=1`, {
      method: 'POST',
      headers: ['Content-Type', 'application/json', 'X-Custom-Casing', 'a', 'x-custom-casing', 'b'],
      body: rawBody,
    });
    await response.body.text();
    assert.equal(mock.requests.length, 1);
    const recorded = mock.requests[0]!;
    assert.equal(recorded.id, Number(String(response.headers['x-request-id']).replace('mock-req-', '')));
    assert.equal(recorded.method, 'POST');
    assert.equal(recorded.path, '/v1/chat/completions?trace=1');
    assert.equal(recorded.headers['content-type'], 'application/json');
    assert.equal(recorded.headers['x-custom-casing'], 'a, b');
    const rawNames = recorded.rawHeaders.filter((_, index) => index % 2 === 0);
    assert.deepEqual(
      rawNames.filter((name) => name.toLowerCase() === 'x-custom-casing'),
      ['X-Custom-Casing', 'x-custom-casing'],
    );
    assert.ok(recorded.body.equals(Buffer.from(rawBody)));
    assert.deepEqual(recorded.json, JSON.parse(rawBody));
    assert.equal(typeof recorded.receivedAt, 'number');
    const closed = await recorded.closed;
    assert.equal(closed.completed, true);
    assert.ok(closed.at >= recorded.receivedAt);
  });

  it('records a body that is not JSON with json undefined', async () => {
    await postJson(`${mock.url}/chat/completions`, 'not json');
    const recorded = mock.requests.at(-1);
    assert.equal(recorded?.body.toString(), 'not json');
    assert.equal(recorded?.json, undefined);
  });

  it('records before answering, so a stalled request is visible', async () => {
    const controller = new AbortController();
    const pending = request(`${mock.url}/models`, {
      headers: { 'x-mock-fault': 'stall-before-headers' },
      signal: controller.signal,
    }).catch(() => undefined);
    const recorded = await mock.nextRequest();
    assert.equal(recorded.path, '/v1/models');
    assert.equal(mock.requests.length, 1);
    controller.abort();
    await pending;
    assert.equal((await recorded.closed).completed, false);
  });

  it('nextRequest returns requests that arrived between calls, in order, without repeats', async () => {
    await getText(`${mock.url}/models?n=1`);
    await getText(`${mock.url}/models?n=2`);
    assert.equal((await mock.nextRequest()).path, '/v1/models?n=1');
    assert.equal((await mock.nextRequest()).path, '/v1/models?n=2');
    const third = mock.nextRequest();
    const fourth = mock.nextRequest();
    await getText(`${mock.url}/models?n=3`);
    await getText(`${mock.url}/models?n=4`);
    assert.equal((await third).path, '/v1/models?n=3');
    assert.equal((await fourth).path, '/v1/models?n=4');
  });

  it('nextRequest with a predicate waits for a matching request', async () => {
    const wanted = mock.nextRequest((recorded) => recorded.path.endsWith('wanted'));
    let resolved = false;
    void wanted.then(() => {
      resolved = true;
    });
    await getText(`${mock.url}/models?other`);
    await sleep(10);
    assert.equal(resolved, false);
    await getText(`${mock.url}/models?wanted`);
    assert.equal((await wanted).path, '/v1/models?wanted');
  });

  it('reset forgets requests and nextRequest then waits for a new one', async () => {
    await getText(`${mock.url}/models?before`);
    mock.reset();
    assert.equal(mock.requests.length, 0);
    const next = mock.nextRequest();
    await getText(`${mock.url}/models?after`);
    assert.equal((await next).path, '/v1/models?after');
  });
});

describe('recording disabled', () => {
  it('keeps nothing but still serves a pending nextRequest', async () => {
    const mock = await startMockUpstream({ record: false });
    try {
      await getText(`${mock.url}/models`);
      assert.equal(mock.requests.length, 0);
      const next = mock.nextRequest();
      await postJson(`${mock.url}/chat/completions`, { model: 'm', messages: [] });
      assert.equal((await next).path, '/v1/chat/completions');
      assert.equal(mock.requests.length, 0);
    } finally {
      await mock.close();
    }
  });
});
