/**
 * Conversations through the gateway, two figures. A benchmark, not a test: it asserts nothing.
 *
 * 1. Added latency per turn: Ferry's own time (`Server-Timing: gateway;dur`, which leaves out
 *    the time spent waiting on the upstream) for a chat turn on a conversation that already holds
 *    10, 1 000 or 10 000 turns, for each store, against the same request without a conversation
 *    (the baseline), interleaved round by round in one run.
 * 2. Tokens sent upstream per turn over a long chat with a 4 096-token window: the client
 *    resending its whole history, Ferry's conversation with trim, and with summarise (the
 *    summary calls' tokens included).
 *
 *   pnpm --filter @ferry/core bench:conversation-turns
 *
 * Needs Redis at FERRY_TEST_REDIS_URL (default redis://127.0.0.1:6379) and PostgreSQL at
 * FERRY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test). The mock upstream, the
 * gateway and the client share one process and talk over loopback. BENCH_ROUNDS (default 40)
 * and BENCH_CHAT_TURNS (default 200) bound the run.
 */
import { performance } from 'node:perf_hooks';
import type { GatewayOptions } from '../src/options.js';
import { type GatewayWithMock, startGatewayWithMock } from '../src/testing/index.js';
import { countChatTokens } from '../src/tokens/count-chat-tokens.js';
import { encodingForModel } from '../src/tokens/encodings.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const chatTurns = Number(process.env.BENCH_CHAT_TURNS ?? 200);
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresUrl = process.env.FERRY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = `${process.pid}-${Date.now()}`;
const sizes = [10, 1_000, 10_000];
// About 300 bytes per stored message, as a real chat's.
const message = 'Could you explain how the retry budget interacts with the circuit breaker? '.repeat(4);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const serverTiming = (response: Response) =>
  Number(/gateway;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? NaN);

async function turn(
  ferry: GatewayWithMock,
  conversation: string | undefined,
  messages: unknown[],
  model = 'gpt-4o-mini',
) {
  const started = performance.now();
  const response = await fetch(`${ferry.url}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(conversation === undefined ? {} : { 'x-ferry-conversation': conversation }),
    },
    body: JSON.stringify({ model, messages }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`turn failed: ${response.status} ${text.slice(0, 200)}`);
  return { gatewayMs: serverTiming(response), wallMs: performance.now() - started };
}

/** Stores `size` turns in one request: `size - 1` messages and the answer. */
async function fill(ferry: GatewayWithMock, conversation: string, size: number) {
  const messages = Array.from({ length: size - 1 }, (_, index) => ({
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: message,
  }));
  await turn(ferry, conversation, messages, 'bench-fill');
}

const storeOptions: Array<[string, Partial<GatewayOptions>]> = [
  ['memory', { conversations: { store: 'memory', maxTurns: 20_000, maxBytes: 64 << 20 } }],
  [
    'redis',
    {
      redis: { url: redisUrl, keyPrefix: `ferry-bench-turns-${run}:` },
      conversations: { store: 'redis', maxTurns: 20_000, maxBytes: 64 << 20 },
    },
  ],
  ['postgres', { conversations: { store: 'postgres', postgresUrl, maxTurns: 20_000, maxBytes: 64 << 20 } }],
];

async function addedLatency() {
  console.log(`\n## Added latency per turn (${rounds} rounds, interleaved)\n`);
  console.log('| store | stored turns | gateway;dur median ms | min–max ms | added vs baseline ms | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, options] of storeOptions) {
    const ferry = await startGatewayWithMock(
      {
        ...options,
        logger: false,
        inputLimits: { maxMessages: 20_000 },
        context: { windowTokens: { 'bench-fill': 10_000_000 } },
      },
      { content: message, record: false },
    );
    try {
      await ferry.gateway.ready();
      // Each size rotates over a few conversations so that the turns measured add at most ~2%.
      const arms = sizes.map((size) => ({
        size,
        // 10 turns: a fresh conversation per round; 1 000: each used 10 times (+2%); 10 000: one (+0.8% at 40 rounds).
        ids: Array.from(
          { length: size === 10 ? rounds : size === 1_000 ? Math.ceil(rounds / 10) : 1 },
          (_, index) => `bench-${run}-${size}-${index}`,
        ),
        samples: [] as number[],
      }));
      for (const arm of arms) for (const id of arm.ids) await fill(ferry, id, arm.size);
      const baseline: number[] = [];
      for (let warm = 0; warm < 20; warm++)
        await turn(ferry, undefined, [{ role: 'user', content: message }]);
      for (let round = 0; round < rounds; round++) {
        baseline.push((await turn(ferry, undefined, [{ role: 'user', content: message }])).gatewayMs);
        for (const arm of arms) {
          const id = arm.ids[round % arm.ids.length] as string;
          arm.samples.push((await turn(ferry, id, [{ role: 'user', content: message }])).gatewayMs);
        }
      }
      const base = median(baseline);
      console.log(
        `| ${name} | none (baseline) | ${base.toFixed(3)} | ${Math.min(...baseline).toFixed(3)}–${Math.max(...baseline).toFixed(3)} | — | 1.00 |`,
      );
      for (const arm of arms) {
        const value = median(arm.samples);
        console.log(
          `| ${name} | ${arm.size.toLocaleString('en')} | ${value.toFixed(3)} | ${Math.min(...arm.samples).toFixed(3)}–${Math.max(...arm.samples).toFixed(3)} | ${(value - base).toFixed(3)} | ${(value / base).toFixed(2)} |`,
        );
      }
      for (const arm of arms)
        for (const id of arm.ids) await fetch(`${ferry.url}/ferry/conversations/${id}`, { method: 'DELETE' });
    } finally {
      await ferry.close();
    }
  }
}

async function tokensPerTurn() {
  console.log(`\n## Tokens sent upstream per turn, ${chatTurns} turns, 4 096-token window\n`);
  const encoding = await encodingForModel('gpt-4o-mini');
  const answer =
    'Here is a considered answer with a few details, a number or two, and a suggestion for next steps. '.repeat(
      2,
    );
  const question = (index: number) =>
    `Question ${index}: what should we check next about the deployment, and why?`;
  const arms: Array<[string, Partial<GatewayOptions> | undefined]> = [
    ['client resends its history (fit-context trims it)', undefined],
    [
      'conversation, trim',
      {
        conversations: { store: 'memory' },
        context: { strategy: 'trim', windowTokens: { 'gpt-4o-mini': 4_096 } },
      },
    ],
    [
      'conversation, summarise',
      {
        conversations: { store: 'memory' },
        context: {
          strategy: 'summarize',
          windowTokens: { 'gpt-4o-mini': 4_096 },
          summarize: { model: 'summary-model', maxSummaryTokens: 256 },
        },
      },
    ],
  ];
  console.log(
    '| arm | turns 1–10 | turns 91–100 | last 10 turns | total upstream tokens | summary calls | client bytes per turn (last) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, options] of arms) {
    const ferry = await startGatewayWithMock(
      {
        logger: false,
        ...(options ?? { context: { strategy: 'trim', windowTokens: { 'gpt-4o-mini': 4_096 } } }),
      },
      { content: answer },
    );
    try {
      const history: unknown[] = [];
      const perTurn: number[] = [];
      let clientBytes = 0;
      for (let index = 1; index <= chatTurns; index++) {
        const before = ferry.mock.requests.length;
        const mine = { role: 'user', content: question(index) };
        const messages = options === undefined ? [...history, mine] : [mine];
        clientBytes = Buffer.byteLength(JSON.stringify({ model: 'gpt-4o-mini', messages }));
        await turn(ferry, options === undefined ? undefined : `tokens-${run}`, messages);
        let tokens = 0;
        for (const request of ferry.mock.requests.slice(before))
          tokens += countChatTokens(request.json as { messages: unknown[] }, encoding);
        perTurn.push(tokens);
        history.push(mine, { role: 'assistant', content: answer });
      }
      const mean = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);
      const summaries = ferry.mock.requests.filter(
        (request) => (request.json as { model?: string }).model === 'summary-model',
      ).length;
      console.log(
        `| ${name} | ${mean(perTurn.slice(0, 10))} | ${mean(perTurn.slice(90, 100))} | ${mean(perTurn.slice(-10))} | ${perTurn.reduce((a, b) => a + b, 0).toLocaleString('en')} | ${summaries} | ${clientBytes.toLocaleString('en')} |`,
      );
    } finally {
      await ferry.close();
    }
  }
}

await addedLatency();
await tokensPerTurn();
