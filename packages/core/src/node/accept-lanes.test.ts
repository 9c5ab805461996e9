import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { acceptLanes } from './accept-lanes.js';

// A client in its own process (this one's loop is blocked on purpose): opens `count` connections
// at once, sends one request on each, and prints how many got a 200.
const clientSource = `
const net = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
let ok = 0, done = 0;
for (let i = 0; i < count; i++) {
  const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\\r\\nhost: x\\r\\nconnection: close\\r\\n\\r\\n'));
  let text = '';
  socket.on('data', (chunk) => { text += chunk; });
  socket.on('close', () => { if (text.startsWith('HTTP/1.1 200')) ok++; if (++done === count) console.log(ok); });
  socket.on('error', () => {});
}`;

/** Opens `count` connections while this process's loop is blocked; returns accepts per iteration. */
async function burst(server: Server, count: number): Promise<{ answered: number; perIteration: number[] }> {
  const port = (server.address() as { port: number }).port;
  let iteration = 0;
  const perIteration = new Map<number, number>();
  let ticking = true;
  const tick = () => {
    iteration++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  server.on('connection', () => perIteration.set(iteration, (perIteration.get(iteration) ?? 0) + 1));
  const client = spawn(process.execPath, ['-e', clientSource, String(port), String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  client.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  // Let the client start and connect; the kernel queues the handshakes meanwhile.
  const blockedUntil = Date.now() + 1_500;
  while (Date.now() < blockedUntil) {
    // Busy: this loop accepts nothing while the connections queue up.
  }
  await once(client, 'exit');
  ticking = false;
  return { answered: Number(output.trim()), perIteration: [...perIteration.values()] };
}

async function listening(): Promise<Server> {
  const server = createServer((_request, response) => response.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('acceptLanes', () => {
  it('accepts one connection per loop iteration without lanes (what libuv does)', async () => {
    const server = await listening();
    try {
      const { answered, perIteration } = await burst(server, 40);
      assert.equal(answered, 40);
      assert.equal(Math.max(...perIteration), 1);
    } finally {
      server.close();
    }
  });

  it('accepts up to 1 + lanes connections per iteration with them, and serves every one', async () => {
    const server = await listening();
    const lanes = await acceptLanes(server, 7);
    try {
      assert.equal(lanes.count, 7);
      const { answered, perIteration } = await burst(server, 40);
      assert.equal(answered, 40);
      assert.equal(Math.max(...perIteration), 8);
    } finally {
      server.close();
    }
  });

  it('stops accepting on every lane when the server closes', async () => {
    const server = await listening();
    await acceptLanes(server, 3);
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const socket = connect(port, '127.0.0.1');
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });

  it("counts what the lanes accepted as the server's own: close() waits for those connections", async () => {
    const finishers: Array<() => void> = [];
    const server = createServer((_request, response) => {
      response.writeHead(200);
      response.write('first');
      finishers.push(() => response.end('last'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await acceptLanes(server, 7);
    const port = (server.address() as { port: number }).port;
    const client = spawn(process.execPath, ['-e', clientSource, String(port), '40'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    client.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    // A failed assertion must not leave the client and its connections behind.
    const cleanUp = () => {
      for (const finish of finishers) finish();
      client.kill();
      server.close();
    };
    try {
      // Blocked while the 40 connections queue, so the lanes accept most of them.
      const blockedUntil = Date.now() + 1_500;
      while (Date.now() < blockedUntil) {
        // Busy on purpose.
      }
      while (finishers.length < 40) await new Promise((resolve) => setTimeout(resolve, 10));
      const connections = await new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
      assert.equal(connections, 40);
      let closed = false;
      server.close(() => {
        closed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(closed, false, 'closed while responses were still running');
      for (const finish of finishers) finish();
      await once(client, 'exit');
      assert.equal(Number(output.trim()), 40);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(closed, true);
    } finally {
      cleanUp();
    }
  });

  it('adds nothing to a server that is not listening', async () => {
    const server = createServer();
    assert.equal((await acceptLanes(server)).count, 0);
  });
});
