import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { type GatewayServer, send, startGatewayServer } from '../../testing/index.js';
import { modelMatches } from './request-fields.js';

const messages = [{ role: 'user', content: 'hi' }];

describe('request-side conversion per upstream', () => {
  let primary: MockUpstream;
  let secondary: MockUpstream;
  let ferry: GatewayServer;
  before(async () => {
    primary = await startMockUpstream();
    secondary = await startMockUpstream();
    ferry = await startGatewayServer({
      upstreams: [
        { name: 'primary', url: primary.url, local: true, dropParams: ['logit_bias', 'seed'] },
        // Serves `gpt-4o` requests as a reasoning model, which refuses `max_tokens`.
        { name: 'secondary', url: secondary.url, local: true, models: { 'gpt-4o': 'o3-mini' } },
      ],
      fallback: {},
    });
  });
  after(async () => {
    await ferry.close();
    await primary.close();
    await secondary.close();
  });

  it('renames max_tokens to max_completion_tokens for the models that require it', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: { model: 'o3-mini', messages, max_tokens: 50 },
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(primary.requests.at(-1)?.json, {
      model: 'o3-mini',
      messages,
      max_completion_tokens: 50,
    });
  });

  it('leaves other models and bodies with nothing to change byte for byte as the client sent them', async () => {
    const text = '{"model":"gpt-4o-mini",  "messages":[{"role":"user","content":"hi"}],"max_tokens":5}';
    await send(`${ferry.url}/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    assert.equal(primary.requests.at(-1)?.body.toString(), text);
  });

  it("drops the parameters listed in the upstream's dropParams", async () => {
    await send(`${ferry.url}/chat/completions`, {
      body: { model: 'gpt-4o-mini', messages, seed: 7, logit_bias: { 1: 2 }, temperature: 0.5 },
    });
    assert.deepEqual(primary.requests.at(-1)?.json, { model: 'gpt-4o-mini', messages, temperature: 0.5 });
  });

  it("composes with the model map: the rename follows the mapped model, the drops stay the primary's", async () => {
    // The same upstreams, the primary failing every request.
    const failing = await startGatewayServer({
      upstreams: [
        {
          name: 'primary',
          url: primary.url,
          local: true,
          dropParams: ['logit_bias', 'seed'],
          headers: { 'x-mock-fault': 'status=503' },
        },
        { name: 'secondary', url: secondary.url, local: true, models: { 'gpt-4o': 'o3-mini' } },
      ],
      fallback: {},
    });
    const answer = await send(`${failing.url}/chat/completions`, {
      body: { model: 'gpt-4o', messages, max_tokens: 20, seed: 1 },
    }).finally(() => failing.close());
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-ferry-upstream'], 'secondary');
    // The primary got its own conversion (seed dropped, gpt-4o keeps max_tokens)...
    assert.deepEqual(primary.requests.at(-1)?.json, { model: 'gpt-4o', messages, max_tokens: 20 });
    // ...and the secondary the client's body with its own: mapped model, renamed field, seed kept.
    assert.deepEqual(secondary.requests.at(-1)?.json, {
      model: 'o3-mini',
      messages,
      seed: 1,
      max_completion_tokens: 20,
    });
  });

  it('matches model names exactly or by a trailing *', () => {
    assert.equal(modelMatches(['o1*', 'gpt-5'], 'o1-preview'), true);
    assert.equal(modelMatches(['o1*', 'gpt-5'], 'gpt-5'), true);
    assert.equal(modelMatches(['o1*', 'gpt-5'], 'gpt-5-mini'), false);
    assert.equal(modelMatches(['o1*'], undefined), false);
  });
});
