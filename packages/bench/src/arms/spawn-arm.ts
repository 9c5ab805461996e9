import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { roleOf } from './arm-kinds.js';
import type { ArmMessage, ArmProcessConfig } from './arm-process.js';
import { pinnedCommand } from './pinning.js';
import type { ProcessUsage } from './process-usage.js';
import type { ArmStart } from './running-arm.js';

/** How an arm process is started. */
export interface SpawnOptions {
  cores: string;
  pinned: boolean;
  /** Write a V8 CPU profile into this directory when the arm stops. */
  profileDirectory?: string | undefined;
  startTimeoutMs?: number;
}

const entry = new URL(`./arm-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Starts one arm in its own Node process (pinned when asked) and resolves once it listens.
 * An arm that fails to start (an adapter not built yet) resolves as skipped with the reason.
 */
export function spawnArm(config: ArmProcessConfig, options: SpawnOptions): Promise<ArmStart> {
  const nodeArguments = [
    // Running from TypeScript sources (tests): the child needs the same loader.
    ...(entry.pathname.endsWith('.ts') ? ['--import', 'tsx'] : []),
    ...(options.profileDirectory === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${options.profileDirectory}`,
          `--cpu-prof-name=${config.kind}.cpuprofile`,
        ]),
    fileURLToPath(entry),
    JSON.stringify(config),
  ];
  const { command, args } = pinnedCommand(options.cores, options.pinned, process.execPath, nodeArguments);
  // stdout is discarded: the full-pipeline arm logs a line per request, like production.
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4_000) stderr += chunk.toString();
  });

  return new Promise<ArmStart>((resolve) => {
    const timer = setTimeout(() => {
      finish({ skipped: { name: config.kind, reason: 'did not start within the time limit' } });
      child.kill('SIGKILL');
    }, options.startTimeoutMs ?? 30_000);
    const finish = (result: ArmStart) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(result);
    };
    const onExit = (code: number | null) => {
      const detail = stderr.trim().split('\n').slice(-3).join(' | ');
      finish({ skipped: { name: config.kind, reason: `exited with ${code}${detail ? `: ${detail}` : ''}` } });
    };
    const onMessage = (message: ArmMessage) => {
      if (message.type === 'failed') {
        finish({ skipped: { name: config.kind, reason: message.message } });
        child.kill('SIGKILL');
      } else if (message.type === 'ready') {
        finish({
          running: {
            name: config.kind,
            role: roleOf(config.kind),
            url: message.url,
            headers: message.headers,
            signing: message.signing,
            usage: () => askUsage(child),
            stop: () => stopChild(child),
          },
        });
      }
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function askUsage(child: ChildProcess): Promise<ProcessUsage | undefined> {
  if (!child.connected) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), 2_000);
    const onMessage = (message: ArmMessage) => {
      if (message.type === 'usage') done({ cpuMicros: message.cpuMicros, maxRssBytes: message.maxRssBytes });
    };
    const done = (usage: ProcessUsage | undefined) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(usage);
    };
    child.on('message', onMessage);
    child.send({ type: 'usage' });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ type: 'stop' });
    else child.kill('SIGTERM');
  });
}
