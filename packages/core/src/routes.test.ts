import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGateway } from './gateway.js';
import { GatewayOptionsError } from './options.js';
import { createRouteTable } from './routes.js';
import {
  type GatewayWithMock,
  rawExchange,
  send,
  splitRawResponse,
  startGatewayWithMock,
} from './testing/index.js';

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

describe('route table wildcards (`/*` in allowedPaths)', () => {
  const table = createRouteTable('/v1', [
    '/v1/files/*',
    '/batches/*',
    '/v1/batches/special/*',
    '/v1/models/*',
  ]);

  it('matches one or more segments below the prefix, for GET, POST and DELETE', () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      for (const path of ['/v1/files/file-1', '/v1/files/file-1/content', '/v1/batches/b1/cancel']) {
        const match = table.match(method, path);
        assert.equal(match.kind, 'route', `${method} ${path}`);
      }
    }
    const match = table.match('POST', '/v1/files/file-1');
    assert.equal(match.kind === 'route' && match.route.name, 'allowed:/files/*');
  });

  it('does not match the prefix itself, a trailing slash or a look-alike prefix', () => {
    for (const path of ['/v1/files', '/v1/files/', '/v1/filesx/a', '/v1/file', '/v1/files/a/']) {
      assert.deepEqual(table.match('GET', path), { kind: 'unknown' }, path);
    }
  });

  it('checks exact routes first, and the longest prefix before shorter ones', () => {
    assert.deepEqual(table.match('GET', '/v1/models'), {
      kind: 'route',
      route: { name: 'models', method: 'GET', path: '/models', json: false },
    });
    const special = table.match('GET', '/v1/batches/special/x');
    assert.equal(special.kind === 'route' && special.route.name, 'allowed:/batches/special/*');
    assert.deepEqual(table.match('PUT', '/v1/files/a'), {
      kind: 'wrong-method',
      allowed: 'GET, POST, DELETE',
    });
  });

  it('never lets dot segments, empty segments or encoded separators through a wildcard', () => {
    for (const path of [
      '/v1/files/../chat/completions',
      '/v1/files/..',
      '/v1/files/./a',
      '/v1/files/a/../../chat/completions',
      '/v1/files/%2e%2e/chat/completions',
      '/v1/files/.%2E/chat/completions',
      '/v1/files/a%2f..%2fb',
      '/v1/files/a%5cb',
      '/v1/files/a\\b',
      '/v1/files//a',
    ]) {
      assert.deepEqual(table.match('POST', path), { kind: 'unknown' }, path);
    }
    // Dots inside a segment are ordinary names.
    assert.equal(table.match('GET', '/v1/files/report.v2..jsonl').kind, 'route');
  });

  it('refuses other wildcards and unsafe entries at construction', () => {
    for (const entry of [
      '/v1/files*',
      '/v1/*/content',
      '/v1/files/*/x',
      'files/*',
      '/v1/../x/*',
      '/v1//x',
      '/v1/x/',
    ]) {
      assert.throws(
        () =>
          createGateway({ upstream: { url: 'http://127.0.0.1:9/v1' }, logger: false, allowedPaths: [entry] }),
        (error: unknown) => error instanceof GatewayOptionsError && /allowedPaths\.0/.test(error.message),
        entry,
      );
    }
  });
});

describe('forwarding through a wildcard', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({ allowedPaths: ['/v1/files/*'] });
  });
  after(() => ferry.close());

  it('forwards a path below the prefix with the same upstream path and query', async () => {
    const answer = await send(`${ferry.url}/files/file-abc/content?limit=2`);
    const upstream = ferry.mock.requests.at(-1);
    assert.equal(upstream?.path, '/v1/files/file-abc/content?limit=2');
    assert.equal(upstream?.method, 'GET');
    assert.notEqual(answer.status, 405);
  });

  it('answers 404 outside the prefix and for a dot-segment escape, without calling the upstream', async () => {
    const before = ferry.mock.requests.length;
    for (const path of ['/filesx/a', '/files', '/files/../chat/completions', '/files/%2e%2e/models']) {
      // A raw socket: URL-parsing clients (fetch, undici) would resolve the dot segments first.
      const body = '{"model":"gpt-4o-mini","messages":[]}';
      const { bytes } = await rawExchange(
        ferry.port,
        `POST /v1${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      const answer = splitRawResponse(bytes);
      assert.equal(answer.status, 404, path);
      assert.match(answer.body.toString(), /"code":"unknown_url"/);
    }
    assert.equal(ferry.mock.requests.length, before);
  });
});
