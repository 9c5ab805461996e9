import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinnedCommand } from './pinning.js';
import { childPids, procUsage } from './process-usage.js';
import type { ArmStart } from './running-arm.js';
import { listenBacklog, upstreamConnections } from './servers/server-handle.js';

/** True when an `nginx` binary is on the PATH. */
export function nginxInstalled(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;
}

/**
 * nginx as a reverse proxy tuned the way its docs advise for an upstream with keep-alive:
 * HTTP/1.1 upstream, `keepalive` pool, no buffering (server-sent events pass through at once),
 * no access log. One worker: the same single core every Node arm gets.
 */
export function nginxConfig(directory: string, listenPort: number, upstreamOrigin: string): string {
  const upstream = new URL(upstreamOrigin);
  return `worker_processes 1;
worker_rlimit_nofile 16384;
pid ${join(directory, 'nginx.pid')};
error_log stderr error;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(directory, 'body')};
  proxy_temp_path ${join(directory, 'proxy')};
  fastcgi_temp_path ${join(directory, 'fastcgi')};
  uwsgi_temp_path ${join(directory, 'uwsgi')};
  scgi_temp_path ${join(directory, 'scgi')};
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  upstream mock {
    server ${upstream.host};
    keepalive ${upstreamConnections};
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${listenPort} backlog=${listenBacklog};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx in front of the mock upstream, or reports why it is skipped. */
export async function startNginx(
  upstreamOrigin: string,
  placement: { cores: string; pinned: boolean },
): Promise<ArmStart> {
  if (!nginxInstalled()) return { skipped: { name: 'nginx', reason: 'nginx not installed' } };
  const directory = await mkdtemp(join(tmpdir(), 'ferry-bench-nginx-'));
  const port = await freePort();
  const configPath = join(directory, 'nginx.conf');
  await writeFile(configPath, nginxConfig(directory, port, upstreamOrigin));
  const nginxArguments = ['-e', 'stderr', '-p', directory, '-c', configPath, '-g', 'daemon off;'];
  const { command, args } = pinnedCommand(placement.cores, placement.pinned, 'nginx', nginxArguments);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const cleanup = () => rm(directory, { recursive: true, force: true });

  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) {
      await cleanup();
      return { skipped: { name: 'nginx', reason: `nginx exited: ${stderr.trim().split('\n').pop() ?? ''}` } };
    }
    if (await accepts(port)) {
      const pid = child.pid as number;
      return {
        running: {
          name: 'nginx',
          role: 'peer',
          url: `http://127.0.0.1:${port}`,
          headers: {},
          usage: async () => procUsage([pid, ...childPids(pid)]),
          stop: async () => {
            if (child.exitCode === null) {
              const exited = new Promise((resolve) => child.once('exit', resolve));
              child.kill('SIGTERM');
              await exited;
            }
            await cleanup();
          },
        },
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  await cleanup();
  return { skipped: { name: 'nginx', reason: 'nginx did not start listening' } };
}
