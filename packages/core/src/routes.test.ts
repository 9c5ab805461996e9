import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRouteTable } from './routes.js';

describe('route table', () => {
  const table = createRouteTable('/v1', ['/v1/files', '/batches']);

  it('matches the known routes below the API base', () => {
    assert.deepEqual(table.match('POST', '/v1/chat/completions'), {
      kind: 'route',
      route: { name: 'chat.completions', method: 'POST', path: '/chat/completions', json: true },
    });
    assert.equal(table.match('GET', '/v1/models').kind, 'route');
  });

  it('matches nothing outside the API base, even with a prefix of the same length', () => {
    for (const path of [
      '/v2/chat/completions',
      '/xx/models',
      '/v1x/models',
      'http://a/v1/models',
      '/chat/completions',
    ]) {
      assert.deepEqual(table.match('POST', path), { kind: 'unknown' }, path);
      assert.deepEqual(table.match('GET', path), { kind: 'unknown' }, path);
    }
  });

  it('matches allowlisted paths given with or without the base, for GET, POST and DELETE', () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      assert.equal(table.match(method, '/v1/files').kind, 'route');
      assert.equal(table.match(method, '/v1/batches').kind, 'route');
    }
    assert.equal(table.match('GET', '/v1/files/file-1').kind, 'unknown');
  });

  it('reports the allowed methods of a known path called with another one', () => {
    assert.deepEqual(table.match('GET', '/v1/chat/completions'), { kind: 'wrong-method', allowed: 'POST' });
    assert.deepEqual(table.match('PUT', '/v1/files'), { kind: 'wrong-method', allowed: 'GET, POST, DELETE' });
  });

  it('does not normalise paths (no traversal into another route)', () => {
    assert.equal(table.match('POST', '/v1/files/../chat/completions').kind, 'unknown');
    assert.equal(table.match('POST', '/v1//chat/completions').kind, 'unknown');
  });
});
