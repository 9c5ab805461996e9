import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import dnsPacket from 'dns-packet';
import type { GatewayOptions } from '../../options.js';
import { errorCode, postChat } from '../../policies/resilience/test-client.js';
import { type GatewayServer, startGatewayServer } from '../../testing/index.js';
import { queryDoh } from './doh-client.js';
import { HostResolver } from './host-resolver.js';

type Records = dnsPacket.Answer[];

/** What the local resolver knows, per name, as dns-packet answers. */
const zone = new Map<string, Records>([
  [
    'chain.ferry.test',
    [
      // Out of order on purpose: the client must walk the chain, not trust the order.
      { type: 'A', name: 'edge.cdn.ferry.test', ttl: 30, data: '127.0.0.1' },
      { type: 'CNAME', name: 'chain.ferry.test', ttl: 300, data: 'alias.ferry.test' },
      { type: 'CNAME', name: 'alias.ferry.test', ttl: 300, data: 'edge.cdn.ferry.test' },
      // An address for a name outside the chain is not ours to use.
      { type: 'A', name: 'elsewhere.ferry.test', ttl: 30, data: '192.0.2.9' },
    ],
  ],
  ['six.ferry.test', [{ type: 'AAAA', name: 'six.ferry.test', ttl: 60, data: '2001:db8::6' }]],
  ['loop.ferry.test', [{ type: 'CNAME', name: 'loop.ferry.test', ttl: 60, data: 'loop.ferry.test' }]],
]);

/**
 * `compressed.ferry.test` → CNAME `edge.ferry.test` → A 127.0.0.1, built by hand with name
 * compression (dns-packet encodes without it, real resolvers always use it).
 */
function compressedAnswer(query: Buffer): Buffer {
  const question = query.subarray(12); // name (23 bytes) + type + class
  const header = Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]);
  const cname = Buffer.concat([
    Buffer.from([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 7]),
    Buffer.from([4, ...Buffer.from('edge'), 0xc0, 12 + 1 + 'compressed'.length]),
  ]);
  const cnameTarget = 12 + question.byteLength + 12; // the "edge" label inside the CNAME's rdata
  const address = Buffer.from([0xc0, cnameTarget, 0, 1, 0, 1, 0, 0, 0, 45, 0, 4, 127, 0, 0, 1]);
  return Buffer.concat([header, question, cname, address]);
}

function answer(query: dnsPacket.DecodedPacket, path: string): Buffer {
  const question = query.questions?.[0] as dnsPacket.Question;
  if (path === '/broken/dns-query') return Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 1, 7, 'x'.charCodeAt(0)]);
  const truncated = path === '/truncated/dns-query';
  const records = (zone.get(question.name) ?? []).filter(
    (record) => record.type === 'CNAME' || record.type === question.type,
  );
  return dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    flags:
      dnsPacket.RECURSION_DESIRED |
      dnsPacket.RECURSION_AVAILABLE |
      (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0),
    questions: [question],
    answers: records,
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('DNS-over-HTTPS in RFC 8484 wire format', () => {
  let doh: Server;
  let base: string;
  const queries: Array<{ name: string; type: string; accept: string | undefined }> = [];
  let mock: MockUpstream;
  const gateways: GatewayServer[] = [];
  const gatewayFor = async (upstream: Record<string, unknown>) => {
    const ferry = await startGatewayServer({
      upstream: { connectTimeoutMs: 2_000, ...upstream },
      logger: false,
    } as GatewayOptions);
    gateways.push(ferry);
    return ferry;
  };

  before(async () => {
    doh = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://doh');
      const wire =
        request.method === 'POST'
          ? await readBody(request)
          : Buffer.from(url.searchParams.get('dns') ?? '', 'base64url');
      const query = dnsPacket.decode(wire);
      const question = query.questions?.[0] as dnsPacket.Question;
      queries.push({ name: question.name, type: question.type, accept: request.headers.accept });
      const body =
        question.name === 'compressed.ferry.test' ? compressedAnswer(wire) : answer(query, url.pathname);
      response.writeHead(200, { 'content-type': 'application/dns-message' });
      response.end(body);
    });
    await new Promise<void>((resolve) => doh.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(doh.address() as AddressInfo).port}`;
    mock = await startMockUpstream();
  });

  after(async () => {
    for (const ferry of gateways) await ferry.close();
    doh.closeAllConnections();
    await Promise.all([new Promise((resolve) => doh.close(resolve)), mock.close()]);
  });

  it('follows a CNAME chain in any order and takes the TTL of the address', async () => {
    queries.length = 0;
    const answers = await queryDoh(`${base}/dns-query`, 'chain.ferry.test', 4, 1_000);
    assert.deepEqual(answers, [{ address: '127.0.0.1', family: 4, ttlSeconds: 30 }]);
    assert.deepEqual(queries, [{ name: 'chain.ferry.test', type: 'A', accept: 'application/dns-message' }]);
  });

  it('reads compressed names', async () => {
    const answers = await queryDoh(`${base}/dns-query`, 'compressed.ferry.test', 4, 1_000);
    assert.deepEqual(answers, [{ address: '127.0.0.1', family: 4, ttlSeconds: 45 }]);
  });

  it('asks for AAAA when there is no A record', async () => {
    queries.length = 0;
    const resolver = new HostResolver({
      dns: {
        dohUrls: [`${base}/dns-query`],
        format: 'wire',
        timeoutMs: 1_000,
        maxTtlMs: 60_000,
        systemFallback: false,
      },
    });
    assert.deepEqual(await resolver.resolve('six.ferry.test'), [{ address: '2001:db8::6', family: 6 }]);
    assert.deepEqual(
      queries.map((query) => query.type),
      ['A', 'AAAA'],
    );
  });

  it('rejects malformed, truncated and looping answers with a clear error', async () => {
    await assert.rejects(queryDoh(`${base}/broken/dns-query`, 'chain.ferry.test', 4, 1_000), {
      name: 'DohAnswerError',
      message: /malformed/,
    });
    await assert.rejects(queryDoh(`${base}/truncated/dns-query`, 'chain.ferry.test', 4, 1_000), {
      message: /truncated/,
    });
    await assert.rejects(queryDoh(`${base}/dns-query`, 'loop.ferry.test', 4, 1_000), {
      message: /CNAME loop/,
    });
  });

  it('passes a malformed answer on to the next resolver, and names it when all fail', async () => {
    const dns = { format: 'wire' as const, timeoutMs: 1_000, maxTtlMs: 60_000, systemFallback: false };
    const resolver = new HostResolver({
      dns: { ...dns, dohUrls: [`${base}/broken/dns-query`, `${base}/dns-query`] },
    });
    assert.deepEqual(await resolver.resolve('chain.ferry.test'), [{ address: '127.0.0.1', family: 4 }]);
    const broken = new HostResolver({ dns: { ...dns, dohUrls: [`${base}/broken/dns-query`] } });
    await assert.rejects(
      broken.resolve('chain.ferry.test'),
      /no DoH resolver could resolve chain\.ferry\.test \(last: DoH answer .* malformed\)/,
    );
  });

  it('serves through a name resolved in wire format (the default) for a local upstream', async () => {
    queries.length = 0;
    const ferry = await gatewayFor({
      url: `http://chain.ferry.test:${mock.port}/v1`,
      dns: { dohUrls: [`${base}/dns-query`] },
      local: true,
    });
    const served = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(served.status, 200);
    assert.equal(mock.requests.at(-1)?.headers.host, `chain.ferry.test:${mock.port}`);
    assert.deepEqual(queries.at(-1), {
      name: 'chain.ferry.test',
      type: 'A',
      accept: 'application/dns-message',
    });
  });

  it('refuses a wire-format answer pointing at loopback for an upstream not marked local', async () => {
    mock.reset();
    const ferry = await gatewayFor({
      url: `http://chain.ferry.test:${mock.port}/v1`,
      dns: { dohUrls: [`${base}/dns-query`] },
    });
    const refused = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(refused.status, 502);
    assert.equal(errorCode(refused.text), 'upstream_address_refused');
    assert.equal(mock.requests.length, 0, 'nothing reached the upstream');
  });
});
