import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { once } from 'node:events';
import { Server as NetServer, type Socket } from 'node:net';

/** How many extra listeners `acceptLanes` opens by default: 16 accepts per loop iteration. */
export const defaultAcceptLanes = 15;

// The helper process: it hands every listening handle it receives straight back, as a raw
// handle (never listened on, so it accepts nothing itself), and closes its own copy.
const helperSource = `process.on('message', (message, handle) => {
  if (message === 'lane' && handle) process.send('lane', handle, () => handle.close());
  else if (message === 'done') process.disconnect();
});`;

/** net.Server's private connection count, which `close()` waits on. */
interface Counted {
  _connections: number;
}

/** The extra listeners of a server; `close()` stops them (the server's own `close()` does too). */
export interface AcceptLanes {
  /** How many extra listeners accept for the server. */
  readonly count: number;
  close(): void;
}

/**
 * Lets a listening server accept up to `1 + lanes` new connections per event-loop iteration
 * instead of one.
 *
 * Since libuv 1.45 (Node 20) a listening socket accepts one connection per readiness
 * notification. A saturated server's loop iteration lasts tens of milliseconds, so new
 * connections get in at a few dozen a second while the established ones are served: a burst
 * of 1000 clients waits seconds for its first answers. Each lane is the same listening socket
 * under another file descriptor, registered with the loop on its own, so each iteration
 * accepts once per descriptor. The descriptors are duplicated the only way Node offers, by
 * sending the handle to a short-lived helper process and back over IPC; the helper exits once
 * it has returned them (about 50 ms, once, at start). Accepted sockets go to the server as its
 * own `connection` events, so HTTP, upgrades, timeouts and `closeAllConnections()` work as
 * usual. An idle server pays `lanes` failed `accept(2)` calls per new connection (EAGAIN,
 * about a microsecond each).
 *
 * Unix only in effect; where the handle cannot be passed, it resolves with no lanes.
 *
 * @example
 * const server = http.createServer(withGateway(gateway, app));
 * server.listen(8787, () => void acceptLanes(server));
 */
export async function acceptLanes(server: NetServer, lanes = defaultAcceptLanes): Promise<AcceptLanes> {
  const handle = (server as unknown as { _handle?: object | null })._handle;
  const listeners: NetServer[] = [];
  const close = () => {
    for (const listener of listeners.splice(0)) listener.close();
  };
  // A node:cluster worker holds no listening socket of its own: the primary accepts and hands
  // connections over (round robin), so there is nothing to duplicate.
  if (lanes <= 0 || handle == null || !server.listening || cluster.isWorker) return { count: 0, close };

  // Spawned with only `-e`: none of this process's flags or loaders (--cpu-prof, tsx) apply to it.
  const helper = spawn(process.execPath, ['-e', helperSource], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      helper.once('error', reject);
      helper.once('exit', () => resolve());
      helper.on('message', (message: unknown, copy: unknown) => {
        if (message !== 'lane' || copy === undefined) return;
        const lane = new NetServer();
        lane.on('connection', (socket: Socket) => {
          // The socket counts as the server's own connection, not the lane's: net.Server's
          // `close()` callback and `'close'` event wait for `_connections` to drain, so a graceful
          // shutdown waits for it like any other (net has no public way to hand a socket over).
          const owned = socket as unknown as { _server: unknown };
          (lane as unknown as Counted)._connections--;
          (server as unknown as Counted)._connections++;
          owned._server = server;
          server.emit('connection', socket);
        });
        // A lane that fails (EMFILE) must not take the process down; the others go on.
        lane.on('error', () => lane.close());
        lane.listen(copy as object);
        listeners.push(lane);
        if (listeners.length === lanes) helper.send('done');
      });
      for (let index = 0; index < lanes; index++) helper.send('lane', handle as never);
    });
  } catch {
    close();
    return { count: 0, close };
  } finally {
    if (helper.exitCode === null) {
      helper.kill();
      await once(helper, 'exit').catch(() => {});
    }
  }
  // `server.close()` must stop every way in, or a closing server would keep taking connections.
  const closeServer = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    close();
    return closeServer(callback);
  };
  if (!server.listening) close();
  return { count: listeners.length, close };
}
