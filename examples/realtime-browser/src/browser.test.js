// @ts-check
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './start-server.js';

describe('the browser page talks to the Realtime proxy with the subprotocol key (headless Chromium)', () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let running;
  /** @type {import('playwright-core').Browser} */
  let browser;
  before(async () => {
    running = await startServer({ clientKey: 'sk-browser-demo' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await running?.close();
  });

  it("streams a text answer and its usage; the upstream sees Ferry's key, never the browser's", async () => {
    const page = await browser.newPage();
    await page.goto(`${running.origin}/?key=sk-browser-demo`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'done', undefined, {
      timeout: 20_000,
    });
    const answer = await page.textContent('#answer');
    assert.ok(answer !== null && answer.length > 0, 'the text deltas arrived');
    const usage = JSON.parse((await page.textContent('#usage')) ?? '{}');
    assert.ok(usage.total_tokens > 0);
    const upstream = await running.mock?.nextSocket();
    assert.equal(upstream?.headers.authorization, 'Bearer sk-mock-upstream');
    assert.deepEqual(upstream?.protocols, ['realtime']);
    assert.doesNotMatch(JSON.stringify(upstream?.headers), /sk-browser-demo/);
    await page.close();
  });

  it('a wrong key is refused before the 101: the page never opens', async () => {
    const page = await browser.newPage();
    await page.goto(`${running.origin}/?key=sk-wrong`);
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent === 'refused',
      undefined,
      {
        timeout: 10_000,
      },
    );
    await page.close();
  });
});
