import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { GatewayOptions } from '@ferry/core';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { openEventSocket, UpgradeRefusedError } from '@ferry/mock-upstream/helpers';
import { WebSocket, WebSocketServer } from 'ws';

/** An app with Ferry mounted, built by the adapter for the upgrade scenarios. */
export interface UpgradeMountedApp {
  listener: RequestListener;
  /** Calls the adapter's one helper for upgrades on the app's server (`middleware.attach(server)`). */
  attach(server: Server): void;
  close(): Promise<void>;
}

/** What an adapter tells the upgrade suite. */
export interface UpgradeAdapterUnderTest {
  /** Builds a fresh app with Ferry mounted at the root, or under `prefix`. */
  mount(options: GatewayOptions, setup: { prefix: string | undefined }): UpgradeMountedApp;
}

const upstreamKey = 'sk-upstream-upgrades';
const clientKey = 'sk-client-upgrades';

/**
 * The WebSocket scenarios every adapter must pass: Ferry's Realtime endpoint served through the
 * framework's app (at the root and under a prefix), a refusal before the 101, and the app's own
 * WebSocket handlers still reached, whether attached before Ferry or after it.
 *
 * @example
 * describeUpgradeConformance('@ferry/express', { mount: (options, { prefix }) => ... });
 */
export function describeUpgradeConformance(name: string, adapter: UpgradeAdapterUnderTest): void {
  describe(`${name} WebSocket upgrades`, () => {
    let mock: MockUpstream;
    const closers: Array<() => Promise<void>> = [];
    before(async () => {
      mock = await startMockUpstream({ apiKey: upstreamKey });
    });
    after(async () => {
      for (const close of closers.reverse()) await close();
      await mock.close();
    });

    /** Serves the app; `own` adds the app's own WebSocket handlers before or after Ferry's helper. */
    const serve = async (
      prefix: string | undefined,
      own: (server: Server, attachFerry: () => void) => void,
    ) => {
      const app = adapter.mount(
        {
          upstream: { url: mock.url, apiKey: upstreamKey, local: true },
          clientKeys: [clientKey],
          logger: false,
        },
        { prefix },
      );
      const server = createServer(app.listener);
      own(server, () => app.attach(server));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const origin = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      closers.push(async () => {
        await app.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      });
      return origin;
    };
    const echoServer = (options: ConstructorParameters<typeof WebSocketServer>[0]) => {
      const wss = new WebSocketServer(options);
      wss.on('connection', (socket) =>
        socket.on('message', (data) => socket.send(`echo:${data.toString()}`)),
      );
      closers.push(async () => {
        for (const client of wss.clients) client.terminate();
        wss.close();
      });
      return wss;
    };
    const echo = (url: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(url);
        socket.once('open', () => socket.send('hi'));
        socket.once('message', (data) => {
          resolve(data.toString());
          socket.close();
        });
        socket.once('error', reject);
      });
    const realtime = async (url: string) => {
      const socket = await openEventSocket(url, { headers: { authorization: `Bearer ${clientKey}` } });
      await socket.next('session.created');
      socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
      const done = await socket.next('response.done');
      socket.close();
      await socket.closed;
      return (done.response as { status: string }).status;
    };

    it("serves Ferry's Realtime endpoint, and the app's own ws server (path, attached after Ferry) still answers", async () => {
      const origin = await serve(undefined, (server, attachFerry) => {
        attachFerry();
        echoServer({ server, path: '/chat' });
      });
      assert.equal(await realtime(`${origin}/v1/realtime?model=gpt-realtime`), 'completed');
      assert.equal(await echo(`${origin}/chat`), 'echo:hi');
    });

    it("leaves the app's own upgrade listener (attached before Ferry) every upgrade Ferry does not own", async () => {
      const origin = await serve(undefined, (server, attachFerry) => {
        const wss = echoServer({ noServer: true });
        server.on('upgrade', (request, socket, head) => {
          wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
        });
        attachFerry();
      });
      assert.equal(await echo(`${origin}/app/socket`), 'echo:hi');
      assert.equal(await realtime(`${origin}/v1/realtime?model=gpt-realtime`), 'completed');
    });

    it('serves upgrades under the mount prefix only, and refuses a bad key before the 101', async () => {
      const origin = await serve('/llm', (_server, attachFerry) => attachFerry());
      assert.equal(await realtime(`${origin}/llm/v1/realtime?model=gpt-realtime`), 'completed');
      const refused = await openEventSocket(`${origin}/llm/v1/realtime?model=gpt-realtime`, {
        headers: { authorization: 'Bearer sk-wrong' },
      }).catch((error: unknown) => error);
      assert.ok(refused instanceof UpgradeRefusedError);
      assert.equal(refused.status, 401);
      // Outside the prefix nobody takes it: a 404, not a hang.
      const outside = await openEventSocket(`${origin}/v1/realtime?model=gpt-realtime`).catch(
        (error: unknown) => error,
      );
      assert.ok(outside instanceof UpgradeRefusedError);
      assert.equal(outside.status, 404);
    });
  });
}
