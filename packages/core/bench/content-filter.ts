/**
 * Content-filter speed: scanning throughput (MB/s of UTF-8 text) with a 10,000-word list, and
 * the time the stream filters add per streamed chunk (chat, completions, Responses API). A
 * benchmark, not a test: it reports figures and asserts nothing.
 *
 *   pnpm --filter @ferry/core bench:filter
 */
import { performance } from 'node:perf_hooks';
import { createContentScanner } from '../src/filter/content-scanner.js';
import { filterEventStream } from '../src/filter/event-stream-filter.js';
import { filterResponsesStream } from '../src/filter/responses-stream-filter.js';

// A deterministic generator, so every run scans the same text.
let seed = 0x2f6e2b1;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
};
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
const common = Array.from(
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理',
).filter((character) => /\p{Script=Han}/u.test(character));
const letters = 'abcdefghijklmnopqrstuvwxyz';
const englishWord = (min: number, max: number) =>
  Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => pick(Array.from(letters))).join(
    '',
  );
const chineseWord = (min: number, max: number) =>
  Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => pick(common)).join('');
/** A listed phrase: any of the ~20,000 CJK ideographs, so a list entry is specific, as real ones are. */
const listedChineseWord = (min: number, max: number) =>
  Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () =>
    String.fromCharCode(0x4e00 + Math.floor(random() * 0x51a6)),
  ).join('');

const words: string[] = [];
for (let index = 0; index < 10_000; index++) {
  words.push(index % 2 === 0 ? listedChineseWord(2, 5) : `${englishWord(4, 9)} ${englishWord(3, 8)}`);
}

const buildStart = performance.now();
const scanner = createContentScanner({ words, rules: [] });
const buildMs = performance.now() - buildStart;

// Ordinary text: mostly Chinese with English runs and punctuation; now and then a listed word.
function paragraph(): string {
  let text = '';
  for (let index = 0; index < 60; index++) {
    const roll = random();
    if (roll < 0.6) text += chineseWord(1, 4);
    else if (roll < 0.9) text += ` ${englishWord(2, 10)} `;
    else if (roll < 0.995) text += pick(['，', '。', '、', ', ', '. ', '\n']);
    else text += pick(words);
  }
  return text;
}
const paragraphs: string[] = [];
let corpusBytes = 0;
while (corpusBytes < 8 * 1024 * 1024) {
  const text = paragraph();
  paragraphs.push(text);
  corpusBytes += Buffer.byteLength(text);
}
const corpus = paragraphs.join('');

function throughput(label: string, pieces: readonly string[]) {
  const bytes = pieces.reduce((total, piece) => total + Buffer.byteLength(piece), 0);
  let matches = 0;
  for (const piece of pieces.slice(0, 200)) matches += scanner.scan(piece, true).ranges.length; // warm-up
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (const piece of pieces) matches += scanner.scan(piece, true).ranges.length;
    rounds.push(performance.now() - start);
  }
  rounds.sort((left, right) => left - right);
  const median = rounds[2] as number;
  console.log(
    `${label.padEnd(34)} ${(bytes / 1024 / 1024 / (median / 1000)).toFixed(1).padStart(7)} MB/s  (${(bytes / 1024 / 1024).toFixed(1)} MB, median of 5: ${median.toFixed(0)} ms, ${matches} matches)`,
  );
}

console.log(`word list: ${scanner.wordCount} entries, automaton built in ${buildMs.toFixed(0)} ms`);
throughput('scan, 8 MB text in one piece', [corpus]);
throughput('scan, 4 KB pieces (request bodies)', chunk(corpus, 4096));

function chunk(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let offset = 0; offset < text.length; offset += size) pieces.push(text.slice(offset, offset + size));
  return pieces;
}

// Streams: 20,000 chunks of a few characters each, as an upstream sends them, in each format.
const encoder = new TextEncoder();
const deltas = chunk(corpus.slice(0, 120_000), 6);
const formats = [
  {
    label: 'chat',
    filter: filterEventStream,
    event: (content: string) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`,
  },
  {
    label: 'completions',
    filter: filterEventStream,
    event: (text: string) =>
      `data: ${JSON.stringify({ id: 'cmpl-bench', object: 'text_completion', created: 1, model: 'gpt-3.5-turbo-instruct', choices: [{ text, index: 0, logprobs: null, finish_reason: null }] })}\n\n`,
  },
  {
    label: 'responses',
    filter: filterResponsesStream,
    event: (delta: string, index: number) =>
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', sequence_number: index, item_id: 'msg_bench', output_index: 0, content_index: 0, delta })}\n\n`,
  },
];
async function drain(body: AsyncIterable<Uint8Array>) {
  let bytes = 0;
  for await (const piece of body) bytes += piece.byteLength;
  return bytes;
}
const median = (values: number[]) => [...values].sort((left, right) => left - right)[3] as number;
for (const format of formats) {
  const events = deltas.map((delta, index) => encoder.encode(format.event(delta, index)));
  async function* source() {
    for (const event of events) yield event;
  }
  const passRounds: number[] = [];
  const filterRounds: number[] = [];
  await drain(format.filter(scanner, 'mask', () => {})(source())); // warm-up
  for (let round = 0; round < 7; round++) {
    let start = performance.now();
    await drain(source());
    passRounds.push(performance.now() - start);
    start = performance.now();
    await drain(format.filter(scanner, 'mask', () => {})(source()));
    filterRounds.push(performance.now() - start);
  }
  const addedMicroseconds = ((median(filterRounds) - median(passRounds)) * 1000) / events.length;
  console.log(
    `stream filter (${format.label}): ${events.length} chunks, ${addedMicroseconds.toFixed(2)} µs added per chunk (median of 7; pass-through ${((median(passRounds) * 1000) / events.length).toFixed(2)} µs/chunk)`,
  );
}
