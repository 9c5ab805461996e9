import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorAnswer, type GatewayWithMock, send, startGatewayWithMock } from '../testing/index.js';

describe('request body validation', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock();
  });
  after(async () => {
    // None of these requests may reach the upstream.
    assert.equal(ferry.mock.requests.length, 0);
    await ferry.close();
  });

  const post = (body: string, contentType = 'application/json') =>
    send(`${ferry.url}/chat/completions`, { headers: { 'content-type': contentType }, body });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const error = assertErrorAnswer(await post('{"model": "gpt-4o-mini",'), 400, 'invalid_json', {
      type: 'invalid_request_error',
    });
    // The parser's own message (positions, snippets of the body) stays inside.
    assert.equal(error.message, 'The request body is not valid JSON.');
  });

  it('answers 400 invalid_body for JSON that is not an object', async () => {
    for (const body of ['[1,2]', '"text"', '42', 'null', 'true']) {
      assertErrorAnswer(await post(body), 400, 'invalid_body');
    }
  });

  it('answers 400 for an empty body', async () => {
    assertErrorAnswer(await post(''), 400, 'missing_body');
  });

  it('answers 400 naming the param when model or stream has the wrong type', async () => {
    const model = assertErrorAnswer(await post('{"model":42,"messages":[]}'), 400, 'invalid_type');
    assert.equal(model.param, 'model');
    const stream = assertErrorAnswer(await post('{"model":"m","stream":"yes"}'), 400, 'invalid_type');
    assert.equal(stream.param, 'stream');
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      assertErrorAnswer(await post('{"model":"m"}', type), 415, 'unsupported_media_type');
    }
  });
});

describe('JSON media types the gateway accepts', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock();
  });
  after(() => ferry.close());

  it('forwards application/json with a charset and vendor +json types', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/vnd.api+json', 'Application/JSON']) {
      const answer = await send(`${ferry.url}/chat/completions`, {
        headers: { 'content-type': type },
        body: '{"model":"gpt-4o-mini","messages":[]}',
      });
      assert.equal(answer.status, 200, type);
      assert.equal((await ferry.mock.nextRequest()).headers['content-type'], type);
    }
  });

  it('treats a body without content-type as JSON and sends it upstream as application/json', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: Buffer.from('{"model":"gpt-4o-mini","messages":[]}'),
    });
    assert.equal(answer.status, 200);
    assert.equal((await ferry.mock.nextRequest()).headers['content-type'], 'application/json');
  });
});
