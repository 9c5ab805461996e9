/**
 * Format conversions: the time each conversion adds per streamed chunk and per request, in
 * process (no network), over the documented fixtures' shapes. A benchmark, not a test: it
 * reports figures and asserts nothing. Bounded: a few seconds per line.
 *
 *   pnpm --filter @ferry/core bench:conversions
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { convertClientStream, convertUpstreamStream } from '../src/conversions/body-bytes.js';
import { compileEnvelopes } from '../src/conversions/envelopes/compile-envelopes.js';
import { answerInput } from '../src/conversions/envelopes/envelope-input.js';
import { envelopeStream } from '../src/conversions/envelopes/envelope-stream.js';
import {
  AnthropicStreamToOpenAI,
  aggregateEventStream,
  anthropicRequestToOpenAI,
  anthropicResponseToOpenAI,
  ChatStreamAggregator,
  chatCompletionToChunks,
  encodeSseEvents,
  OpenAIStreamToAnthropic,
  openaiRequestToAnthropic,
  openaiResponseToAnthropic,
  ResponsesStreamAggregator,
  readSseEvents,
  responseToEvents,
} from '../src/formats/index.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../src/formats/fixtures/${name}`, import.meta.url), 'utf8');
const json = (name: string) => JSON.parse(fixture(name));

const chunks = 1_000;
const piece = '你好, world! ';
const head = '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini"';
let openaiText = `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`;
for (let index = 0; index < chunks; index++) {
  openaiText += `data: ${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(piece)}},"finish_reason":null}]}\n\n`;
}
openaiText += `data: ${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`;
openaiText += `data: ${head},"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":${chunks},"total_tokens":${10 + chunks}}}\n\ndata: [DONE]\n\n`;

let anthropicText =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}\n\n' +
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n';
for (let index = 0; index < chunks; index++) {
  anthropicText += `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(piece)}}}\n\n`;
}
anthropicText +=
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${chunks}}}\n\n` +
  'event: message_stop\ndata: {"type":"message_stop"}\n\n';

// Bytes as an upstream sends them: ~1 KB socket reads, cut anywhere.
const asBytes = (text: string) => {
  const bytes = Buffer.from(text);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += 1024)
    parts.push(bytes.subarray(offset, offset + 1024));
  return parts;
};
const openaiBytes = asBytes(openaiText);
const anthropicBytes = asBytes(anthropicText);
async function* from(parts: readonly Uint8Array[]) {
  yield* parts;
}
async function drain(source: AsyncIterable<unknown>) {
  for await (const _ of source);
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const rounds = 7;

/** Median and range (µs) of one run of `body` over `rounds` rounds, after a warm-up. */
async function measure(body: () => Promise<unknown> | unknown, repeat: number) {
  for (let index = 0; index < Math.max(3, repeat / 10); index++) await body();
  // (warm-up)
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let index = 0; index < repeat; index++) await body();
    times.push(((performance.now() - start) * 1000) / repeat);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}
/** Baseline and conversion interleaved round by round; the added time is the per-round difference. */
async function measureAdded(baseline: () => Promise<unknown>, body: () => Promise<unknown>, repeat: number) {
  for (let index = 0; index < 3; index++) {
    await baseline();
    await body();
  }
  const added: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let start = performance.now();
    for (let index = 0; index < repeat; index++) await baseline();
    const base = performance.now() - start;
    start = performance.now();
    for (let index = 0; index < repeat; index++) await body();
    const total = performance.now() - start;
    added.push(((total - base) * 1000) / repeat);
    ratios.push(total / base);
  }
  return { median: median(added), min: Math.min(...added), max: Math.max(...added), ratio: median(ratios) };
}
const fmt = (figure: { median: number; min: number; max: number }, per = 1) =>
  `${(figure.median / per).toFixed(2)} µs (${(figure.min / per).toFixed(2)}–${(figure.max / per).toFixed(2)})`;

console.log(
  `node ${process.version}; ${chunks} text chunks per stream; median of ${rounds} rounds (min–max)`,
);
console.log('\nPer chunk (the parse every stream conversion starts with is the baseline):');
const parseOpenAI = await measure(() => drain(readSseEvents(from(openaiBytes))), 5);
const parseAnthropic = await measure(() => drain(readSseEvents(from(anthropicBytes))), 5);
console.log(`  baseline: parse an OpenAI stream     ${fmt(parseOpenAI, chunks)}`);
console.log(`  baseline: parse an Anthropic stream  ${fmt(parseAnthropic, chunks)}`);
const envelope = compileEnvelopes([
  {
    name: 'bench',
    answer: '{ "data": text }',
    stream: { format: 'ndjson', delta: '{ "delta": text }', final: '{ "answer": text }' },
  },
])[0]!;
const perChunk: Array<[string, () => Promise<unknown>, typeof parseOpenAI]> = [
  [
    'Anthropic stream → chat chunks (egress)',
    () =>
      drain(
        convertUpstreamStream(from(anthropicBytes), new AnthropicStreamToOpenAI({ includeUsage: true }), 'b'),
      ),
    parseAnthropic,
  ],
  [
    'chat chunks → Anthropic stream (ingress)',
    () => drain(convertClientStream(from(openaiBytes), new OpenAIStreamToAnthropic())),
    parseOpenAI,
  ],
  [
    'chat stream → one chat.completion (aggregate)',
    () => aggregateEventStream(from(openaiBytes), new ChatStreamAggregator()),
    parseOpenAI,
  ],
  [
    'chat stream → NDJSON envelope (JSONata per delta)',
    () => drain(envelopeStream(from(openaiBytes), envelope, true, undefined)),
    parseOpenAI,
  ],
];
const parsers = new Map([
  [parseAnthropic, () => drain(readSseEvents(from(anthropicBytes)))],
  [parseOpenAI, () => drain(readSseEvents(from(openaiBytes)))],
]);
for (const [label, body, baseline] of perChunk) {
  const figure = await measureAdded(parsers.get(baseline) as () => Promise<unknown>, body, 5);
  console.log(`  ${label}: ${fmt(figure, chunks)} added (${figure.ratio.toFixed(2)}× the parse alone)`);
}

console.log('\nPer request (whole objects):');
const completion = json('openai-chat-completion.json');
const message = json('anthropic-message.json');
const anthropicRequest = json('anthropic-tool-request.json');
const openaiRequest = json('openai-tool-request.json');
const response = json('responses-completed.json');
const responsesBytes = asBytes(fixture('responses-stream.sse'));
const baseline = await measure(() => JSON.parse(JSON.stringify(completion)), 2_000);
console.log(`  baseline: JSON.parse(JSON.stringify(chat.completion))  ${fmt(baseline)}`);
const perRequest: Array<[string, () => unknown]> = [
  ['Anthropic request → chat request (ingress)', () => anthropicRequestToOpenAI(anthropicRequest)],
  ['chat request → Anthropic request (egress)', () => openaiRequestToAnthropic(openaiRequest)],
  ['Anthropic message → chat.completion (egress)', () => anthropicResponseToOpenAI(message)],
  ['chat.completion → Anthropic message (ingress)', () => openaiResponseToAnthropic(completion)],
  [
    'chat.completion → SSE chunks (JSON upstream, stream client)',
    () => encodeSseEvents(chatCompletionToChunks(completion, { includeUsage: true })),
  ],
  ['response → Responses events', () => encodeSseEvents(responseToEvents(response))],
  [
    'Responses stream → response (aggregate, fixture)',
    () => aggregateEventStream(from(responsesBytes), new ResponsesStreamAggregator()),
  ],
  ['chat.completion → envelope (JSONata answer)', () => envelope.answer(answerInput(completion, undefined))],
];
for (const [label, body] of perRequest) {
  const figure = await measure(body, 500);
  console.log(`  ${label}: ${fmt(figure)} (${(figure.median / baseline.median).toFixed(2)}× the baseline)`);
}
