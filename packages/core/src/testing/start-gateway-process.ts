import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const gatewayScript = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));

/** A gateway in a process of its own (tests of state shared across instances through Redis). */
export interface GatewayProcess {
  child: ChildProcess;
  /** The API base, `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `createGateway(options)` in a child process on a free port; `options` must be JSON.
 *
 * @example
 * const gateways = await Promise.all([1, 2, 3].map(() => startGatewayProcess(options)));
 */
export async function startGatewayProcess(options: object): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', gatewayScript], {
    env: { ...process.env, FERRY_TEST_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    if (output.includes('\n')) break;
  }
  child.stdout?.resume();
  if (!output.includes('\n'))
    throw new Error(`the gateway process exited before listening (${child.exitCode})`);
  const { url } = JSON.parse(output.trim()) as { url: string };
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
