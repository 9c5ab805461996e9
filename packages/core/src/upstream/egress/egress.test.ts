import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import type { GatewayOptions, UpstreamOptions } from '../../options.js';
import { errorCode, postChat } from '../../policies/resilience/test-client.js';
import { type GatewayServer, startGatewayServer } from '../../testing/index.js';
import { isPrivateAddress } from './address-guard.js';
import { HostResolver } from './host-resolver.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const cert = fixture('upstream.ferry.test.crt');
const key = fixture('upstream.ferry.test.key');
const hostname = 'upstream.ferry.test';

const completion = JSON.stringify({
  id: 'chatcmpl-tls',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'over tls' }, finish_reason: 'stop' }],
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('DNS, TLS name, egress proxy and the private-address guard', () => {
  let tlsServer: Server;
  let tlsPort: number;
  const servernames: Array<string | false | null> = [];
  let dohServer: Server;
  let dohUrl: string;
  const dohQueries: string[] = [];
  let dohAnswer = '127.0.0.1';
  let proxy: Server;
  let proxyPort: number;
  const tunnels: string[] = [];
  const proxySockets = new Set<Socket>();
  let mock: MockUpstream;
  const gateways: GatewayServer[] = [];
  const gatewayFor = async (
    upstream: Partial<UpstreamOptions> & { url: string },
    options: Partial<GatewayOptions> = {},
  ) => {
    const ferry = await startGatewayServer({
      upstream: { connectTimeoutMs: 2_000, ...upstream },
      ...options,
    } as GatewayOptions);
    gateways.push(ferry);
    return ferry;
  };

  before(async () => {
    tlsServer = createHttpsServer({ cert, key }, (request, response) => {
      servernames.push((request.socket as TLSSocket).servername);
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(completion);
    });
    tlsPort = await listen(tlsServer);

    // RFC 8484 JSON API, as Cloudflare and Google serve it.
    dohServer = createHttpServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://doh');
      dohQueries.push(`${url.searchParams.get('name')}/${url.searchParams.get('type')}`);
      const type = url.searchParams.get('type') === 'A' ? 1 : 28;
      const answer =
        type === 1 ? [{ name: url.searchParams.get('name'), type: 1, TTL: 60, data: dohAnswer }] : [];
      response.writeHead(200, { 'content-type': 'application/dns-json' });
      response.end(JSON.stringify({ Status: 0, Answer: answer }));
    });
    dohUrl = `http://127.0.0.1:${await listen(dohServer)}/dns-query`;

    proxy = createHttpServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request, client: Socket) => {
      proxySockets.add(client);
      const expected = `Basic ${Buffer.from('relay:s3cret').toString('base64')}`;
      if (request.headers['proxy-authorization'] !== expected) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      tunnels.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(/:(?=\d+$)/);
      const target = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        target.pipe(client);
        client.pipe(target);
      });
      proxySockets.add(target);
      target.on('error', () => client.destroy());
      client.on('error', () => target.destroy());
    });
    proxyPort = await listen(proxy);
    mock = await startMockUpstream();
  });

  after(async () => {
    for (const ferry of gateways) await ferry.close();
    for (const socket of proxySockets) socket.destroy();
    await Promise.all([close(tlsServer), close(dohServer), close(proxy), mock.close()]);
  });

  it('connects to a mapped address while TLS verifies the real hostname', async () => {
    const ferry = await gatewayFor({
      url: `https://${hostname}:${tlsPort}/v1`,
      addresses: { [hostname]: ['127.0.0.1'] },
      ca: cert,
      local: true,
    });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 200);
    assert.match(answer.text, /over tls/);
    assert.equal(servernames.at(-1), hostname, 'SNI carries the name, not the address');

    // The same address under a name the certificate does not hold: the check is on the name.
    const wrongName = await gatewayFor({
      url: `https://other.ferry.test:${tlsPort}/v1`,
      addresses: { 'other.ferry.test': ['127.0.0.1'] },
      ca: cert,
      local: true,
    });
    const refused = await postChat(wrongName.url, { model: 'gpt-4o-mini' });
    assert.equal(refused.status, 502);
  });

  it('resolves through a DoH server, caches the answer for its TTL and keeps the TLS name', async () => {
    dohQueries.length = 0;
    const ferry = await gatewayFor({
      url: `https://${hostname}:${tlsPort}/v1`,
      dns: { dohUrls: [{ url: dohUrl, format: 'json' }] },
      ca: cert,
      local: true,
    });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 200);
    assert.equal(servernames.at(-1), hostname);
    assert.deepEqual(dohQueries, [`${hostname}/A`]);

    const resolver = new HostResolver({
      dns: { dohUrls: [dohUrl], format: 'json', timeoutMs: 1_000, maxTtlMs: 60_000, systemFallback: false },
    });
    dohQueries.length = 0;
    const [first, second] = await Promise.all([resolver.resolve(hostname), resolver.resolve(hostname)]);
    assert.deepEqual(first, [{ address: '127.0.0.1', family: 4 }]);
    assert.deepEqual(second, first);
    await resolver.resolve(hostname.toUpperCase());
    assert.deepEqual(dohQueries, [`${hostname}/A`], 'one query, shared and then cached');
  });

  it('falls back to the system resolver when every DoH resolver fails', async () => {
    const unreachable = `http://127.0.0.1:${proxyPort}/not-a-resolver`;
    const resolver = new HostResolver({
      dns: { dohUrls: [unreachable], format: 'wire', timeoutMs: 500, maxTtlMs: 1_000, systemFallback: true },
    });
    const addresses = await resolver.resolve('localhost');
    assert.ok(addresses.some((address) => address.address === '127.0.0.1' || address.address === '::1'));
    const strict = new HostResolver({
      dns: { dohUrls: [unreachable], format: 'wire', timeoutMs: 500, maxTtlMs: 1_000, systemFallback: false },
    });
    await assert.rejects(strict.resolve('localhost'), /no DoH resolver/);
  });

  it('tunnels through an HTTP CONNECT proxy with credentials (plain and TLS)', async () => {
    tunnels.length = 0;
    const plain = await gatewayFor({
      url: mock.url,
      local: true,
      proxy: { url: `http://relay:s3cret@127.0.0.1:${proxyPort}` },
    });
    const answer = await postChat(plain.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 200);
    assert.deepEqual(tunnels, [`127.0.0.1:${mock.port}`]);
    assert.equal(
      mock.requests.at(-1)?.headers['proxy-authorization'],
      undefined,
      'credentials stay with the proxy',
    );

    const tls = await gatewayFor({
      url: `https://${hostname}:${tlsPort}/v1`,
      addresses: { [hostname]: ['127.0.0.1'] },
      ca: cert,
      local: true,
      proxy: { url: `http://relay:s3cret@127.0.0.1:${proxyPort}` },
    });
    const secured = await postChat(tls.url, { model: 'gpt-4o-mini' });
    assert.equal(secured.status, 200);
    assert.equal(servernames.at(-1), hostname);
    assert.equal(tunnels.at(-1), `127.0.0.1:${tlsPort}`);

    const wrong = await gatewayFor({
      url: mock.url,
      local: true,
      proxy: { url: `http://relay:wrong@127.0.0.1:${proxyPort}` },
    });
    const denied = await postChat(wrong.url, { model: 'gpt-4o-mini' });
    assert.equal(denied.status, 502);
    assert.equal(errorCode(denied.text), 'upstream_proxy_failed');
    assert.doesNotMatch(denied.text, /wrong|relay/, 'no credentials in the error');
  });

  it('refuses private and loopback addresses for upstreams not marked local', async () => {
    mock.reset();
    const cases: Array<Partial<UpstreamOptions> & { url: string }> = [
      { url: mock.url },
      // Never attempted: the guard refuses before any socket opens (the address is not on loopback).
      { url: 'http://169.254.169.254/v1' },
      { url: `http://[::ffff:127.0.0.1]:${mock.port}/v1` },
      {
        url: `http://internal.ferry.test:${mock.port}/v1`,
        addresses: { 'internal.ferry.test': ['127.0.0.1'] },
      },
      { url: `http://rebound.ferry.test:${mock.port}/v1`, dns: { dohUrls: [dohUrl], format: 'json' } },
    ];
    dohAnswer = '127.0.0.1';
    for (const upstream of cases) {
      const ferry = await gatewayFor({ ...upstream, connectTimeoutMs: 60_000 });
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 502, upstream.url);
      assert.equal(errorCode(answer.text), 'upstream_address_refused', upstream.url);
    }
    assert.equal(mock.requests.length, 0, 'nothing reached the upstream');
  });

  it('classifies addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
    ]) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ['104.18.6.192', '8.8.8.8', '2606:4700::6810:1', '::ffff:8.8.8.8']) {
      assert.equal(isPrivateAddress(address), false, address);
    }
  });
});
