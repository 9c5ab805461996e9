// @ts-check
// Starts a mock upstream and three gateway instances sharing Redis, fires requests at both,
// and shows that together they admit exactly the one shared limit.
//   pnpm --filter @ferry/example-two-instances-redis start
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startMockUpstream } from '@ferry/mock-upstream';

const instanceScript = fileURLToPath(new URL('./instance.js', import.meta.url));

/**
 * @param {Record<string, string>} environment
 * @returns {Promise<{ url: string, child: import('node:child_process').ChildProcess }>}
 */
async function startInstance(environment) {
  const child = spawn(process.execPath, [instanceScript], {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of /** @type {AsyncIterable<Buffer>} */ (child.stdout)) {
    output += chunk.toString();
    if (output.includes('\n')) break;
  }
  if (!output.includes('\n')) throw new Error('the gateway instance exited before it listened');
  child.stdout?.resume();
  return { url: JSON.parse(output.trim()).url, child };
}

/**
 * Runs the demonstration and returns what each instance admitted.
 *
 * @param {{ requests?: number, limit?: number, redisUrl?: string, print?: (line: string) => void }} [settings]
 * @returns {Promise<{ admitted: number[], limited: number[], sample429: { status: number, headers: Record<string, string>, body: unknown } | undefined }>}
 *
 * @example
 * const { admitted } = await tryIt({ requests: 60, limit: 20 });
 */
export async function tryIt(settings = {}) {
  const requests = settings.requests ?? 60;
  const limit = settings.limit ?? 20;
  const print = settings.print ?? console.log;
  const mock = await startMockUpstream({ record: false });
  const environment = {
    FERRY_UPSTREAM_URL: mock.url,
    FERRY_UPSTREAM_LOCAL: 'true',
    FERRY_CLIENT_KEYS: 'sk-demo',
    REDIS_URL: settings.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    // A fresh prefix per run, so the demonstration starts from an empty count.
    FERRY_REDIS_PREFIX: `ferry-example:${randomUUID()}:`,
    FERRY_REQUESTS_PER_MINUTE: String(limit),
  };
  const instances = await Promise.all([1, 2, 3].map(() => startInstance(environment)));
  const names = ['A', 'B', 'C'];
  try {
    print(instances.map((instance, index) => `instance ${names[index]}: ${instance.url}`).join('\n'));
    print(
      `firing ${requests} concurrent requests with one key, spread over A, B and C; shared limit: ${limit}/min`,
    );
    const admitted = [0, 0, 0];
    const limited = [0, 0, 0];
    /** @type {{ status: number, headers: Record<string, string>, body: unknown } | undefined} */
    let sample429;
    await Promise.all(
      Array.from({ length: requests }, async (_, index) => {
        const which = index % 3;
        const response = await fetch(`${instances[which]?.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-demo' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
        });
        const body = await response.json();
        if (response.status === 200) admitted[which] = (admitted[which] ?? 0) + 1;
        else if (response.status === 429) {
          limited[which] = (limited[which] ?? 0) + 1;
          sample429 ??= { status: response.status, headers: Object.fromEntries(response.headers), body };
        }
      }),
    );
    for (const [index, name] of names.entries()) {
      print(`${name} admitted ${admitted[index]}, limited ${limited[index]}`);
    }
    print(`together: ${admitted.reduce((sum, each) => sum + each, 0)} admitted (the limit is ${limit})`);
    if (sample429 !== undefined) {
      const { headers } = sample429;
      print('a 429 looks like this:');
      for (const name of [
        'retry-after',
        'x-ratelimit-limit-requests',
        'x-ratelimit-remaining-requests',
        'x-ratelimit-reset-requests',
        'ratelimit-policy',
        'ratelimit',
      ]) {
        print(`  ${name}: ${headers[name]}`);
      }
      print(`  ${JSON.stringify(sample429.body)}`);
    }
    return { admitted, limited, sample429 };
  } finally {
    await Promise.all(
      instances.map(async ({ child }) => {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }),
    );
    await mock.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await tryIt();
