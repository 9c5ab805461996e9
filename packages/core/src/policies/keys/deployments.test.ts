import assert from 'node:assert/strict';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type GatewayOptions, resolveOptions } from '../../options.js';
import {
  captureLogs,
  type GatewayServer,
  type RawUpstream,
  startGatewayServer,
  startRawUpstream,
} from '../../testing/index.js';
import { createUpstream } from '../../upstream/upstream.js';
import { errorCode, postChat } from '../resilience/test-client.js';
import { deploymentMembers } from './deployments.js';

const completion = (from: string) =>
  JSON.stringify({
    id: `chatcmpl-${from}`,
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: from }, finish_reason: 'stop' }],
  });

interface Deployment {
  upstream: RawUpstream;
  seen: Array<{ authorization: string | undefined; path: string | undefined }>;
  /** Answer 429 with this Retry-After while set. */
  limited?: string | undefined;
}

async function startDeployment(name: string): Promise<Deployment> {
  const deployment: Deployment = { seen: [], upstream: undefined as unknown as RawUpstream };
  deployment.upstream = await startRawUpstream((request, response) => {
    deployment.seen.push({ authorization: request.headers.authorization, path: request.url });
    request.resume();
    if (deployment.limited !== undefined) {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': deployment.limited });
      response.end('{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(completion(name));
  });
  return deployment;
}

describe('several deployments for one upstream', () => {
  let eu: Deployment;
  let us: Deployment;
  let asia: Deployment;
  let refusedUrl: string;
  let resetter: TcpServer;
  let resetterUrl: string;
  let resets = 0;
  const gateways: GatewayServer[] = [];
  const gatewayFor = async (upstream: Record<string, unknown>, options: Record<string, unknown> = {}) => {
    const ferry = await startGatewayServer({
      upstream: { name: 'openai', local: true, apiKey: 'sk-upstream-default', ...upstream },
      logger: false,
      ...options,
    } as GatewayOptions);
    gateways.push(ferry);
    for (const deployment of [eu, us, asia]) {
      deployment.seen.length = 0;
      deployment.limited = undefined;
    }
    return ferry;
  };

  before(async () => {
    [eu, us, asia] = await Promise.all([
      startDeployment('eu'),
      startDeployment('us'),
      startDeployment('asia'),
    ]);
    // A port nobody listens on any more: connections are refused.
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v1`;
    await new Promise((resolve) => closed.close(resolve));
    // Accepts, then resets before any answer: counts how often it is tried.
    resetter = createTcpServer((socket) => {
      resets++;
      socket.on('error', () => {});
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
    resetterUrl = `http://127.0.0.1:${(resetter.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    for (const ferry of gateways) await ferry.close();
    await Promise.all([
      eu.upstream.close(),
      us.upstream.close(),
      asia.upstream.close(),
      new Promise((resolve) => resetter.close(resolve)),
    ]);
  });

  it('spreads by weight, with each deployment its own key and path, and names the one that served', async () => {
    const logs = captureLogs();
    const ferry = await gatewayFor(
      {
        url: eu.upstream.url,
        deployments: [
          { name: 'eu-1', url: eu.upstream.url, weight: 2 },
          { name: 'us-1', url: `${us.upstream.origin}/openai/v1`, apiKey: 'sk-us-deployment' },
        ],
      },
      { logger: logs.logger },
    );
    const servedBy: string[] = [];
    for (let index = 0; index < 6; index++) {
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 200);
      const header = String(answer.headers['x-ferry-upstream']);
      assert.match(answer.text, new RegExp(header === 'openai/eu-1' ? 'chatcmpl-eu' : 'chatcmpl-us'));
      servedBy.push(header);
    }
    assert.equal(servedBy.filter((name) => name === 'openai/eu-1').length, 4);
    assert.equal(servedBy.filter((name) => name === 'openai/us-1').length, 2);
    assert.deepEqual(
      new Set(eu.seen.map((request) => request.authorization)),
      new Set(['Bearer sk-upstream-default']),
    );
    assert.deepEqual(us.seen, [
      { authorization: 'Bearer sk-us-deployment', path: '/openai/v1/chat/completions' },
      { authorization: 'Bearer sk-us-deployment', path: '/openai/v1/chat/completions' },
    ]);
    const line = await logs.waitFor((entry) => entry.upstream === 'openai/us-1');
    assert.equal(line.status, 200);
    assert.doesNotMatch(logs.lines.join(''), /sk-us-deployment|sk-upstream-default/);
  });

  it('cools a deployment down for its Retry-After on 429 and serves from another at once', async () => {
    const ferry = await gatewayFor({
      url: eu.upstream.url,
      deployments: [
        { name: 'eu-1', url: eu.upstream.url, weight: 5 },
        { name: 'asia-1', url: asia.upstream.url },
      ],
    });
    eu.limited = '30';
    for (let index = 0; index < 3; index++) {
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['x-ferry-upstream'], 'openai/asia-1');
    }
    assert.equal(eu.seen.length, 1, 'eu-1 is asked once, then sits out its 30 s');
    assert.equal(asia.seen.length, 3);
  });

  it('routes around deployments whose connection fails before the answer', async () => {
    resets = 0;
    const ferry = await gatewayFor({
      url: refusedUrl,
      deployments: [
        { name: 'refused', url: refusedUrl, weight: 10 },
        { name: 'reset', url: resetterUrl, weight: 10 },
        { name: 'us-1', url: us.upstream.url },
      ],
    });
    for (let index = 0; index < 4; index++) {
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers['x-ferry-upstream'], 'openai/us-1');
    }
    assert.equal(resets, 1, 'a deployment that failed is avoided while another is up');
    assert.equal(us.seen.length, 4);
  });

  it('fails like the upstream would when every deployment is down', async () => {
    const ferry = await gatewayFor({
      url: refusedUrl,
      deployments: [
        { name: 'refused', url: refusedUrl },
        { name: 'reset', url: resetterUrl },
      ],
    });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 502);
    assert.match(String(errorCode(answer.text)), /^upstream_(unreachable|connection_reset)$/);
    assert.doesNotMatch(answer.text, /127\.0\.0\.1/);
  });

  it('never lets a deployment key reach the client, even quoted in an upstream error', async () => {
    const quoting = await startRawUpstream((request, response) => {
      request.resume();
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(
        `{"error":{"message":"Incorrect API key provided: ${request.headers.authorization}","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
      );
    });
    try {
      const ferry = await gatewayFor({
        url: quoting.url,
        deployments: [{ name: 'quoting', url: quoting.url, apiKey: 'sk-deployment-secret-1' }],
      });
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['x-ferry-upstream'], 'openai/quoting');
      assert.doesNotMatch(answer.text, /sk-deployment-secret-1/);
    } finally {
      await quoting.close();
    }
  });

  it('keeps one pool per origin', async () => {
    const options = resolveOptions({
      upstream: {
        name: 'openai',
        url: eu.upstream.url,
        local: true,
        deployments: [
          { name: 'a', url: eu.upstream.url },
          { name: 'b', url: `${eu.upstream.origin}/other/v1`, apiKey: 'sk-b' },
          { name: 'c', url: us.upstream.url },
          { name: 'd', url: `${us.upstream.origin}/v2` },
        ],
      },
    });
    const upstreamOptions = options.upstream as NonNullable<typeof options.upstream>;
    const upstream = createUpstream(upstreamOptions, options);
    const { members, pools } = deploymentMembers(upstreamOptions, upstream, options);
    try {
      const [a, b, c, d] = members.map((member) => member.upstream);
      assert.equal(a?.pool, upstream.pool, "the upstream's own origin reuses its pool");
      assert.equal(b?.pool, upstream.pool);
      assert.equal(c?.pool, d?.pool);
      assert.notEqual(c?.pool, upstream.pool);
      assert.equal(pools.length, 1);
      assert.equal(b?.basePath, '/other/v1');
      assert.equal(b?.authorization, 'Bearer sk-b');
    } finally {
      await Promise.all([upstream.pool.close(), ...pools.map((pool) => pool.close())]);
    }
  });

  it('refuses keys and deployments together', async () => {
    await assert.rejects(
      gatewayFor({
        url: eu.upstream.url,
        keys: [{ apiKey: 'sk-a' }],
        deployments: [{ url: us.upstream.url }],
      }),
      /set `keys` or `deployments`, not both/,
    );
  });
});
