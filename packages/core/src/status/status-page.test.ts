import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { chromium, type Page } from 'playwright-core';
import { startFakePlatform } from '../alerts/sinks/test-platform-server.js';
import { GatewayOptionsError } from '../config/options-error.js';
import { createGateway } from '../gateway.js';
import type { GatewayOptions } from '../options.js';
import { assertErrorAnswer, eventually, send, startGatewayServer } from '../testing/index.js';
import type { StatusSnapshot } from './status-board.js';

const adminKey = 'ferry-status-admin-key-0123456789';
const hostileTenant = '<img src=x onerror="window.pwned=1">';
const screenshotPath = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../docs/images/status-page.png',
);

const chat = (headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
});
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

/** Polls an element's text (the page's CSP forbids the string evaluation `waitForFunction` needs). */
async function waitForText(page: Page, selector: string, check: (text: string) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  let text = '';
  while (Date.now() < deadline) {
    text = (await page.textContent(selector)) ?? '';
    if (check(text)) return;
    await sleep(100);
  }
  assert.fail(`${selector} never matched; last text: ${text}`);
}

describe('status page', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream({ record: false, chunks: 3 });
  });
  after(() => mock.close());
  const start = (options: Partial<GatewayOptions> = {}) =>
    startGatewayServer({
      upstream: { name: 'openai', url: mock.url, local: true },
      statusPage: { slotMs: 500, refreshMs: 500, windowMs: 30_000 },
      usageEndpoint: { adminKey },
      ...options,
    });

  it('needs the admin key: Bearer, x-api-key, or HTTP Basic with the key as password', async () => {
    const ferry = await start();
    try {
      for (const path of ['/ferry/status', '/ferry/status.json']) {
        const url = `${ferry.url}${path}`;
        const refused = await send(url);
        assertErrorAnswer(refused, 401, 'invalid_admin_key');
        assert.match(String(refused.headers['www-authenticate']), /^Basic realm="Ferry status"/);
        assertErrorAnswer(
          await send(url, { headers: { authorization: basic('wrong-password') } }),
          401,
          'invalid_admin_key',
        );
        assertErrorAnswer(
          await send(url, { headers: { authorization: 'Basic %%%' } }),
          401,
          'invalid_admin_key',
        );
        for (const headers of [
          { authorization: `Bearer ${adminKey}` } as Record<string, string>,
          { 'x-api-key': adminKey },
          { authorization: basic(adminKey) },
        ]) {
          const answer = await send(url, { headers });
          assert.equal(answer.status, 200, `${path} with ${Object.keys(headers)[0]}`);
          assert.ok(!answer.text.includes(adminKey));
        }
      }
      const page = await send(`${ferry.url}/ferry/status`, { headers: { authorization: basic(adminKey) } });
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      // Self-contained: no script, style or image is loaded from anywhere.
      assert.doesNotMatch(
        page.text,
        /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
      );
    } finally {
      await ferry.close();
    }
  });

  it('refuses to start without any admin key', () => {
    assert.throws(
      () => createGateway({ logger: false, upstream: { url: mock.url, local: true }, statusPage: {} }),
      (error: unknown) =>
        error instanceof GatewayOptionsError && /statusPage\.adminKey: required/.test(error.message),
    );
  });

  it('the JSON twin counts requests, percentiles, upstream state and spend per tenant', async () => {
    const ferry = await start();
    try {
      await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          send(
            `${ferry.url}/chat/completions`,
            chat({ 'x-ferry-tenant': index % 3 === 0 ? hostileTenant : 'acme' }),
          ),
        ),
      );
      await sleep(600); // one complete slot
      const answer = await send(`${ferry.url}/ferry/status.json`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      const status = JSON.parse(answer.text) as StatusSnapshot;
      assert.equal(status.object, 'ferry.status');
      assert.equal(status.series.requestsPerSecond.reduce((sum, value) => sum + value, 0) * 0.5, 12);
      assert.ok((status.now.latencyMs.p99 ?? 0) > 0);
      assert.ok((status.now.firstByteMs.p50 ?? 0) >= 0);
      assert.deepEqual(
        status.upstreams.map((upstream) => [upstream.name, upstream.breaker, upstream.attempts]),
        [['openai', 'closed', 12]],
      );
      const tenants = Object.fromEntries(status.spendToday.tenants.map((tenant) => [tenant.tenant, tenant]));
      assert.equal(tenants.acme?.requests, 8);
      assert.equal(tenants[hostileTenant]?.requests, 4);
      assert.ok((tenants.acme?.usd ?? 0) > 0, 'gpt-4o-mini is priced');
      assert.equal(status.spendToday.day, new Date().toISOString().slice(0, 10));
    } finally {
      await ferry.close();
    }
  });

  it('in headless Chromium: loads, the numbers change under load, alerts and breaker show, screenshot for the docs', async () => {
    const receiver = await startFakePlatform(() => ({ body: {} }));
    const ferry = await start({
      // A short rolling window: the load's successes have left it when the failures come.
      breaker: {
        volumeThreshold: 5,
        errorThresholdPercentage: 50,
        resetTimeoutMs: 60_000,
        rollingWindowMs: 1_000,
        rollingBuckets: 10,
      },
      alerts: {
        sinks: [{ type: 'webhook', url: `${receiver.url}/hook`, allowPrivateAddress: true }],
        evaluateIntervalMs: 200,
      },
    });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    let stopLoad = async () => {};
    try {
      const context = await browser.newContext({
        httpCredentials: { username: 'ops', password: adminKey },
        viewport: { width: 1280, height: 820 },
      });
      const page = await context.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      await page.goto(`${ferry.url}/ferry/status`);
      await waitForText(page, '#at', (text) => text.startsWith('updated'));
      assert.equal(await page.textContent('#rps'), '0');

      // Load: a few requests in flight all the time for 3 s, from two tenants.
      let running = true;
      const worker = async (tenant: string) => {
        while (running)
          await send(
            `${ferry.url}/chat/completions`,
            chat({ 'x-ferry-tenant': tenant, 'x-mock-latency-ms': '20' }),
          );
      };
      const load = Promise.all([worker('acme'), worker('acme'), worker(hostileTenant), worker('globex')]);
      stopLoad = async () => {
        running = false;
        await load;
      };
      await waitForText(page, '#rps', (text) => Number(text) > 10);
      const busy = Number(await page.textContent('#rps'));
      assert.ok(busy > 10, `requests/s under load: ${busy}`);
      assert.ok(Number(await page.textContent('#lat-p99')) >= 20, 'latency reflects the 20 ms upstream');
      await sleep(1_500);
      await stopLoad();
      await sleep(1_100);

      // Break the upstream: the circuit opens and its alert is listed.
      for (let index = 0; index < 8; index++)
        await send(`${ferry.url}/chat/completions`, chat({ 'x-mock-fault': 'status=500' }));
      await waitForText(page, '#alerts', (text) => text.includes('Circuit open: openai'));
      assert.match((await page.textContent('#upstreams')) ?? '', /openai\s*open/);
      // A tenant name from a client's header is text, never markup.
      assert.ok(((await page.textContent('#spend')) ?? '').includes(hostileTenant));
      assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
      assert.equal(await page.locator('#spend img').count(), 0);
      assert.deepEqual(failed, [], 'no request of the page failed (nothing outside the gateway)');

      mkdirSync(dirname(screenshotPath), { recursive: true });
      await page.screenshot({ path: screenshotPath, fullPage: true });
      await eventually(async () => receiver.requests.length > 0);
    } finally {
      await stopLoad();
      await browser.close();
      await ferry.close();
      await receiver.close();
    }
  });
});
