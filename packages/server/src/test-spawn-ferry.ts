import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built command, as `pnpm start` and a supervisor run it. */
export const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A `ferry` process started by a test. */
export interface FerryProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything it wrote to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with `[code, signal]` when it exits. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Runs the built `ferry` command with exactly this environment (plus PATH). */
export function spawnFerry(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): FerryProcess {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run pnpm --filter @ferry/server build`);
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { PATH: process.env.PATH, ...env },
    ...(cwd === undefined ? {} : { cwd }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the line that says where it listens and returns the API base it names. */
export async function listeningUrl(ferry: FerryProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = /^Ferry gateway listening on (http:\/\/\S+\/v1) /m.exec(ferry.stdout());
      if (match?.[1] === undefined) return;
      ferry.child.stdout.off('data', check);
      resolve(match[1]);
    };
    ferry.child.stdout.on('data', check);
    ferry.exited.then(([code]) =>
      reject(new Error(`ferry exited (${code}) before listening:\n${ferry.stdout()}${ferry.stderr()}`)),
    );
    check();
  });
}

/** Polls `probe` every 20 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
