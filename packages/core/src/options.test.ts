import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGateway } from './gateway.js';
import { type GatewayOptions, GatewayOptionsError, resolveOptions } from './options.js';

const upstream = { url: 'https://api.openai.com/v1' };

/** The GatewayOptionsError `options` cause; fails the test when they are accepted. */
function rejection(options: unknown): GatewayOptionsError {
  try {
    createGateway(options as GatewayOptions);
  } catch (error) {
    assert.ok(error instanceof GatewayOptionsError, `not a GatewayOptionsError: ${error}`);
    return error;
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
}

describe('gateway options', () => {
  it('fills in the documented defaults', () => {
    const options = resolveOptions({ upstream });
    assert.equal(options.connectTimeoutMs, 15_000);
    assert.equal(options.firstByteTimeoutMs, 60_000);
    assert.equal(options.idleTimeoutMs, 60_000);
    assert.equal(options.connections, 1024);
    assert.equal(options.maxBodyBytes, 10 * 1024 * 1024);
    assert.equal(options.basePath, '/v1');
    assert.deepEqual(options.clientKeys, []);
    assert.deepEqual(options.allowedPaths, []);
    assert.equal(options.requestStreamUsage, false);
    assert.equal(options.upstream?.name, 'default');
  });

  it('names the bad field of an upstream in a list', () => {
    const error = rejection({ upstreams: [upstream, { url: 'not a url' }] });
    assert.match(error.message, /upstreams\.1\.url/);
    assert.equal(error.name, 'GatewayOptionsError');
  });

  it('names each bad field', () => {
    assert.match(rejection({ upstream: { url: 'ftp://example.com' } }).message, /upstream\.url/);
    assert.match(rejection({ upstream, connectTimeoutMs: -1 }).message, /connectTimeoutMs/);
    assert.match(rejection({ upstream, idleTimeoutMs: 1.5 }).message, /idleTimeoutMs/);
    assert.match(rejection({ upstream, maxBodyBytes: 0 }).message, /maxBodyBytes/);
    assert.match(rejection({ upstream, basePath: '/v1/' }).message, /basePath/);
    assert.match(rejection({ upstream, basePath: 'v1' }).message, /basePath/);
    assert.match(rejection({ upstream, clientKeys: ['ok', ''] }).message, /clientKeys\.1/);
    assert.match(rejection({ upstream, allowedPaths: ['files'] }).message, /allowedPaths\.0/);
    assert.match(rejection({ upstream, onUsage: 'log' }).message, /onUsage/);
    assert.match(rejection({ upstream, redis: { url: 'http://localhost' } }).message, /redis\.url/);
    assert.match(
      rejection({ upstream: { ...upstream, firstByteTimeoutMs: 'soon' } }).message,
      /upstream\.firstByteTimeoutMs/,
    );
  });

  it('refuses options without an upstream', () => {
    assert.match(rejection({}).message, /upstreams: configure at least one upstream/);
    assert.match(rejection({ upstreams: [] }).message, /upstreams/);
  });

  it('refuses unknown fields (a typo must not be ignored silently)', () => {
    assert.match(rejection({ upstream, conectTimeoutMs: 5 }).message, /conectTimeoutMs/);
    assert.match(rejection({ upstream: { ...upstream, apikey: 'x' } }).message, /apikey/);
  });

  it('does not repeat secret values in the message', () => {
    const error = rejection({
      upstream: { url: 'nope', apiKey: 'sk-secret-canary' },
      clientKeys: 'sk-client-canary',
    });
    assert.doesNotMatch(error.message, /canary/);
    assert.match(error.message, /upstream\.url/);
    assert.match(error.message, /clientKeys/);
  });
});
