import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventSocket, UpgradeRefusedError } from '@ferry/mock-upstream/helpers';
import type { GatewayEventMap } from '../events/gateway-events.js';
import type { GatewayOptions } from '../options.js';
import { startGatewayWithMock } from '../testing/gateway-server.js';

const clientKey = 'sk-client-governed';
type End = GatewayEventMap['request:end'];

/** A gateway in front of the mock with `options`; `ends` collects every settled session. */
async function gatewayWith(options: Partial<GatewayOptions>) {
  const ferry = await startGatewayWithMock({ clientKeys: [clientKey], ...options });
  const ends: End[] = [];
  ferry.gateway.events.on('request:end', (end) => {
    ends.push(end);
  });
  const nextEnd = async (from: number) => {
    for (let attempt = 0; attempt < 400 && ends[from] === undefined; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return ends[from] ?? assert.fail('the session never settled');
  };
  const open = (headers: Record<string, string> = {}) =>
    openEventSocket(`${ferry.url.replace('http', 'ws')}/realtime?model=gpt-realtime`, {
      headers: { authorization: `Bearer ${clientKey}`, ...headers },
    });
  return { ferry, ends, nextEnd, open };
}

const content = (text: string) => ({ 'x-mock-content': encodeURIComponent(text), 'x-mock-chunks': '12' });

describe('a Realtime session under the limits, budgets and the content filter', () => {
  describe('concurrency: a session is one concurrent request for its lifetime', () => {
    let setup: Awaited<ReturnType<typeof gatewayWith>>;
    before(async () => {
      setup = await gatewayWith({ limits: { concurrency: { limit: 1 } } });
    });
    after(() => setup.ferry.close());

    it('refuses a second session with 429 before the 101 while the first is open, then admits one', async () => {
      const first = await setup.open();
      await first.next('session.created');
      const refused = await setup.open().catch((error: unknown) => error);
      assert.ok(refused instanceof UpgradeRefusedError);
      assert.equal(refused.status, 429);
      assert.equal(
        (JSON.parse(refused.body) as { error: { code: string } }).error.code,
        'rate_limit_exceeded',
      );
      const from = setup.ends.length;
      first.close();
      await first.closed;
      // The refused upgrade settled too; wait for the session's own settle.
      for (let index = from; (await setup.nextEnd(index)).status !== 101; index++);
      const again = await setup.open();
      await again.next('session.created');
      again.close();
      await again.closed;
    });
  });

  describe('token limit: the session settles its reservation against its summed usage', () => {
    let setup: Awaited<ReturnType<typeof gatewayWith>>;
    before(async () => {
      setup = await gatewayWith({ limits: { tokens: { limit: 100_000, windowSeconds: 60 } } });
    });
    after(() => setup.ferry.close());

    it('settles exactly the tokens the upstream reported', async () => {
      const socket = await setup.open();
      await socket.next('session.created');
      socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
      const done = await socket.next('response.done');
      const total = (done.response as { usage: { total_tokens: number } }).usage.total_tokens;
      const from = setup.ends.length;
      socket.close();
      const end = await setup.nextEnd(from);
      assert.equal(end.context.record.settledTokens, total);
      assert.ok((end.context.record.reservedTokens ?? 0) > 0, 'a reservation was taken at connect');
    });
  });

  describe('budgets: an exhausted key is refused before the 101', () => {
    let setup: Awaited<ReturnType<typeof gatewayWith>>;
    before(async () => {
      setup = await gatewayWith({
        budgets: { perKey: { dailyUsd: 0.000001 } },
        prices: { 'gpt-realtime': { inputPerMillionUsd: 4, outputPerMillionUsd: 16 } },
      });
    });
    after(() => setup.ferry.close());

    it('records the spend of a session, then refuses the next one with 429 insufficient_quota', async () => {
      const socket = await setup.open();
      await socket.next('session.created');
      socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
      await socket.next('response.done');
      const from = setup.ends.length;
      socket.close();
      await setup.nextEnd(from);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refused = await setup.open().catch((error: unknown) => error);
      assert.ok(refused instanceof UpgradeRefusedError, String(refused));
      assert.equal(refused.status, 429);
      assert.equal(
        (JSON.parse(refused.body) as { error: { type: string } }).error.type,
        'insufficient_quota',
      );
    });
  });

  describe('content filter on text deltas', () => {
    it('mask: deltas, the done events and response.done carry the masked text', async () => {
      const setup = await gatewayWith({ contentFilter: { words: ['forbidden'], response: 'mask' } });
      try {
        const socket = await setup.open(content('this is a forbidden answer about forbidden things'));
        await socket.next('session.created');
        socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
        const done = await socket.next('response.done');
        const deltas = socket.events
          .filter((event) => (event as { type: string }).type === 'response.output_text.delta')
          .map((event) => (event as { delta: string }).delta)
          .join('');
        const masked = 'this is a ********* answer about ********* things';
        assert.equal(deltas, masked);
        const textDone = socket.events.find(
          (event) => (event as { type: string }).type === 'response.output_text.done',
        );
        assert.equal((textDone as { text: string }).text, masked);
        assert.doesNotMatch(JSON.stringify(done), /forbidden/);
        const from = setup.ends.length;
        socket.close();
        const end = await setup.nextEnd(from);
        assert.equal(end.context.record.contentFilter, 'answer masked');
      } finally {
        await setup.ferry.close();
      }
    });

    it('stop: the text before the match, an error event content_filter, and the response cancelled upstream', async () => {
      const setup = await gatewayWith({ contentFilter: { words: ['forbidden'], response: 'stop' } });
      try {
        const socket = await setup.open({
          ...content('a long answer that goes on and then says forbidden and more after it'),
          'x-mock-chunk-interval-ms': '20',
        });
        await socket.next('session.created');
        socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
        const error = await socket.next('error');
        assert.equal((error.error as { code: string }).code, 'content_filter');
        const done = await socket.next('response.done');
        assert.equal((done.response as { status: string }).status, 'cancelled');
        const deltas = socket.events
          .filter((event) => (event as { type: string }).type === 'response.output_text.delta')
          .map((event) => (event as { delta: string }).delta)
          .join('');
        assert.equal(deltas, 'a long answer that goes on and then says ');
        const upstream = await setup.ferry.mock.nextSocket();
        assert.ok(upstream.received.some((event) => (event as { type: string }).type === 'response.cancel'));
        socket.close();
        await socket.closed;
      } finally {
        await setup.ferry.close();
      }
    });
  });
});
