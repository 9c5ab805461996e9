import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** A port that is free, and (for a cluster node) whose bus port (+10000) is free too. */
async function freePort(withBus: boolean): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (!withBus || (await isFree(port + 10_000)))) return port;
  }
  throw new Error('no free port pair found');
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts a redis-server (or sentinel) with these arguments; resolves once it accepts connections. */
async function startProcess(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.once('error', (error) => {
    throw new Error(`redis-server could not start (is it installed?): ${error.message}`);
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    if (ready.test(output)) break;
  }
  child.stdout?.resume();
  if (!ready.test(output)) throw new Error(`redis-server exited before it was ready:\n${output}`);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const admin = (port: number) => {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
};

async function ask<T>(port: number, command: (client: Redis) => Promise<T>): Promise<T> {
  const client = admin(port);
  try {
    await client.connect();
    return await command(client);
  } finally {
    client.disconnect();
  }
}

const base = (port: number, directory: string) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--dir',
  directory,
  '--save',
  '',
  '--appendonly',
  'no',
];

/** A local Redis Cluster of three masters, each with one replica, started by the test. */
export interface LocalRedisCluster {
  /** `redis://127.0.0.1:PORT` of every node, as `redis.cluster.nodes` takes them. */
  nodes: string[];
  /** The port of the master serving `key`'s slot. */
  masterOfKey(key: string): Promise<number | undefined>;
  /** SIGKILLs the master serving `key`'s slot and waits until its replica took the slot over. */
  failOverKey(key: string): Promise<{ killed: number; promoted: number }>;
  stop(): Promise<void>;
}

/**
 * Starts six redis-server processes in cluster mode on spare ports (node timeout 1 s) and joins
 * them with `redis-cli --cluster create … --cluster-replicas 1`.
 *
 * @example
 * const cluster = await startRedisCluster();
 * createGateway({ redis: { cluster: { nodes: cluster.nodes } } });
 */
export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const directory = mkdtempSync(join(tmpdir(), 'ferry-redis-cluster-'));
  const ports: number[] = [];
  for (let index = 0; index < 6; index++) {
    let port = await freePort(true);
    while (ports.includes(port)) port = await freePort(true);
    ports.push(port);
  }
  const children = new Map<number, ChildProcess>();
  try {
    for (const port of ports) {
      const args = [
        ...base(port, directory),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '1000',
        // A replica of an idle master has heard little from it: let it fail over anyway.
        '--cluster-replica-validity-factor',
        '0',
      ];
      children.set(port, await startProcess(args, /Ready to accept connections/));
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await until(`cluster node ${port}`, async () =>
        (await ask(port, (client) => client.cluster('INFO'))).includes('cluster_state:ok') ? true : undefined,
      );
    }
    // A replica still in its first sync holds nothing: promoted then, it would lose every key
    // written so far, which is not the failover the tests mean to show.
    for (const port of ports) {
      await until(`replica ${port} in sync`, async () => {
        const replication = await ask(port, (client) => client.info('replication'));
        return replication.includes('role:master') || replication.includes('master_link_status:up')
          ? true
          : undefined;
      });
    }
  } catch (error) {
    await Promise.all([...children.values()].map(kill));
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const live = () =>
    ports.filter((port) => {
      const child = children.get(port);
      return child?.exitCode === null && child.signalCode === null;
    });
  /** The master holding `slot`, by asking a node that is up. */
  const masterOf = async (slot: number): Promise<number | undefined> => {
    const slots = await ask(live()[0] as number, (client) => client.cluster('SLOTS'));
    const range = slots.find(([from, to]) => from <= slot && slot <= to);
    return range?.[2]?.[1];
  };
  return {
    nodes: ports.map((port) => `redis://127.0.0.1:${port}`),
    masterOfKey: async (key) =>
      masterOf(await ask(live()[0] as number, (client) => client.cluster('KEYSLOT', key))),
    async failOverKey(key) {
      const slot = await ask(live()[0] as number, (client) => client.cluster('KEYSLOT', key));
      const killed = await masterOf(slot);
      if (killed === undefined) throw new Error(`no master serves slot ${slot}`);
      await kill(children.get(killed) as ChildProcess);
      const promoted = await until('the replica to take the slot over', async () => {
        const master = await masterOf(slot);
        if (master === undefined || master === killed) return undefined;
        return (await ask(master, (client) => client.cluster('INFO'))).includes('cluster_state:ok')
          ? master
          : undefined;
      });
      return { killed, promoted };
    },
    async stop() {
      await Promise.all([...children.values()].map(kill));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A local Sentinel set: a master, a replica and three sentinels (quorum 2), started by the test. */
export interface LocalRedisSentinel {
  /** `redis://127.0.0.1:PORT` of each sentinel, as `redis.sentinel.sentinels` takes them. */
  sentinels: string[];
  /** The master name the sentinels watch. */
  name: string;
  /** SIGKILLs the master and waits until the sentinels promoted the replica. */
  failOver(): Promise<{ killed: number; promoted: number }>;
  stop(): Promise<void>;
}

/**
 * Starts a master, a replica of it, and three `redis-server --sentinel` processes watching it
 * (down after 1 s), each on a spare port.
 *
 * @example
 * const set = await startRedisSentinel();
 * createGateway({ redis: { sentinel: { sentinels: set.sentinels, name: set.name } } });
 */
export async function startRedisSentinel(): Promise<LocalRedisSentinel> {
  const directory = mkdtempSync(join(tmpdir(), 'ferry-redis-sentinel-'));
  const name = 'ferry';
  const children: ChildProcess[] = [];
  const masterPort = await freePort(false);
  let replicaPort = await freePort(false);
  while (replicaPort === masterPort) replicaPort = await freePort(false);
  const sentinelPorts: number[] = [];
  const byPort = new Map<number, ChildProcess>();
  try {
    const master = await startProcess(base(masterPort, directory), /Ready to accept connections/);
    byPort.set(masterPort, master);
    children.push(master);
    const replica = await startProcess(
      [...base(replicaPort, directory), '--replicaof', '127.0.0.1', String(masterPort)],
      /Ready to accept connections/,
    );
    byPort.set(replicaPort, replica);
    children.push(replica);
    await until('the replica to sync', async () =>
      (await ask(replicaPort, (client) => client.info('replication'))).includes('master_link_status:up')
        ? true
        : undefined,
    );
    for (let index = 0; index < 3; index++) {
      let port = await freePort(false);
      while ([masterPort, replicaPort, ...sentinelPorts].includes(port)) port = await freePort(false);
      sentinelPorts.push(port);
      const file = join(directory, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${directory}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      children.push(await startProcess([file, '--sentinel'], /Sentinel ID is|\+monitor/));
    }
    // Every sentinel knows the replica and the other sentinels before a failover is asked of them.
    for (const port of sentinelPorts) {
      await until(`sentinel ${port} to see the set`, async () => {
        const [info] = (await ask(port, (client) => client.call('SENTINEL', 'MASTERS'))) as string[][];
        const field = (key: string) => Number(info?.[(info?.indexOf(key) ?? -2) + 1]);
        return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2 ? true : undefined;
      });
    }
  } catch (error) {
    await Promise.all(children.map(kill));
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const masterAddress = async () => {
    const [, port] = (await ask(sentinelPorts[0] as number, (client) =>
      client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name),
    )) as [string, string];
    return Number(port);
  };
  return {
    sentinels: sentinelPorts.map((port) => `redis://127.0.0.1:${port}`),
    name,
    async failOver() {
      const killed = await masterAddress();
      await kill(byPort.get(killed) as ChildProcess);
      const promoted = await until('the sentinels to promote the replica', async () => {
        const port = await masterAddress();
        if (port === killed) return undefined;
        return (await ask(port, (client) => client.info('replication'))).includes('role:master')
          ? port
          : undefined;
      });
      return { killed, promoted };
    },
    async stop() {
      await Promise.all(children.map(kill));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
