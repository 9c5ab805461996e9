import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optionsFromEnvironment } from './options-from-environment.js';

describe('optionsFromEnvironment', () => {
  it('reads the upstream, its key and comma-separated client keys', () => {
    assert.deepEqual(
      optionsFromEnvironment({
        FERRY_UPSTREAM_URL: 'https://api.openai.com/v1',
        FERRY_UPSTREAM_API_KEY: 'sk-up',
        FERRY_CLIENT_KEYS: ' ka, kb ,,kc ',
      }),
      {
        upstream: { name: 'default', url: 'https://api.openai.com/v1', apiKey: 'sk-up' },
        clientKeys: ['ka', 'kb', 'kc'],
      },
    );
  });

  it('returns only what is set, so it can be spread over a config file', () => {
    assert.deepEqual(optionsFromEnvironment({}), {});
    assert.deepEqual(optionsFromEnvironment({ FERRY_CLIENT_KEYS: ' , ' }), {});
    assert.deepEqual(optionsFromEnvironment({ FERRY_UPSTREAM_URL: 'http://127.0.0.1:1/v1' }), {
      upstream: { name: 'default', url: 'http://127.0.0.1:1/v1' },
    });
    // A key without a URL has nothing to attach to.
    assert.deepEqual(optionsFromEnvironment({ FERRY_UPSTREAM_API_KEY: 'sk-up' }), {});
  });
});
