import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ContentScanner, createContentScanner } from './content-scanner.js';
import { filterEventStream } from './event-stream-filter.js';
import { maskRanges } from './mask-ranges.js';
import { chunked, contentArbitrary, deltas, visibleOnly } from './test-split-streams.js';
import type { AnswerAction } from './text-stream-filter.js';

const scanner = createContentScanner({
  words: ['badword', '违禁词', 'secret plan', 'ab'],
  rules: [{ name: 'digits', pattern: '\\d{6}', flags: 'u', maxLength: 6 }],
});

const wordsOnly = createContentScanner({ words: ['badword', '违禁词', 'secret plan', 'ab'], rules: [] });

const chunkEvent = (choice: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [choice] })}\n\n`;

/** A legacy completions chunk (`choices[].text`). */
const textEvent = (text: string, finishReason: string | null) =>
  `data: ${JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }] })}\n\n`;

type Format = 'chat' | 'completions';
const formatArbitrary = fc.constantFrom<Format>('chat', 'completions');

interface Collected {
  text: string;
  finishReasons: unknown[];
  errors: unknown[];
  done: boolean;
}

async function run(
  action: AnswerAction,
  content: string,
  deltaCuts: number[],
  byteCuts: number[],
  filterScanner: ContentScanner = scanner,
  format: Format = 'chat',
) {
  let stream = '';
  if (format === 'chat') {
    stream += chunkEvent({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
    for (const delta of deltas(content, deltaCuts))
      stream += chunkEvent({ index: 0, delta: { content: delta }, finish_reason: null });
    stream += chunkEvent({ index: 0, delta: {}, finish_reason: 'stop' });
  } else {
    for (const delta of deltas(content, deltaCuts)) stream += textEvent(delta, null);
    stream += textEvent('', 'stop');
  }
  stream += 'data: [DONE]\n\n';
  const matches: string[][] = [];
  const transform = filterEventStream(filterScanner, action, (_, matched) => matches.push([...matched]));
  const output: Buffer[] = [];
  for await (const chunk of transform(chunked(Buffer.from(stream), byteCuts)))
    output.push(Buffer.from(chunk));
  const collected: Collected = { text: '', finishReasons: [], errors: [], done: false };
  for (const event of Buffer.concat(output).toString('utf8').split('\n\n')) {
    if (!event.startsWith('data: ')) continue;
    const payload = event.slice(6);
    if (payload === '[DONE]') {
      collected.done = true;
      continue;
    }
    const parsed = JSON.parse(payload) as {
      error?: unknown;
      choices?: Array<{ delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown }>;
    };
    if (parsed.error !== undefined) collected.errors.push(parsed.error);
    for (const choice of parsed.choices ?? []) {
      if (typeof choice.delta?.content === 'string') collected.text += choice.delta.content;
      if (typeof choice.text === 'string') collected.text += choice.text;
      if (choice.finish_reason !== null) collected.finishReasons.push(choice.finish_reason);
    }
  }
  return { collected, matches };
}

describe('filterEventStream', () => {
  it('masks a banned word however the stream is split: deltas, SSE chunks, UTF-8 bytes, chat and completions (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        contentArbitrary,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        formatArbitrary,
        async (content, deltaCuts, byteCuts, format) => {
          const { collected } = await run('mask', content, deltaCuts, byteCuts, wordsOnly, format);
          assert.equal(collected.text, maskRanges(content, wordsOnly.scan(content, true).ranges));
          assert.deepEqual(collected.finishReasons, ['stop']);
          assert.equal(collected.done, true);

          // Regex rules: a stream may see overlapping matches a single pass skips, so it masks
          // at least what the whole text masks, and changes nothing else (compared character by
          // visible character: a mask drops the invisible characters inside it).
          const withRules = await run('mask', content, deltaCuts, byteCuts, scanner, format);
          const whole = visibleOnly(maskRanges(content, scanner.scan(content, true).ranges));
          const streamed = visibleOnly(withRules.collected.text);
          const original = visibleOnly(content);
          assert.equal(streamed.length, original.length);
          streamed.forEach((character, index) => {
            if (whole[index] === '*') assert.equal(character, '*');
            else assert.ok(character === original[index] || character === '*');
          });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('stops at the first banned word however the stream is split, chat and completions (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        contentArbitrary,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        formatArbitrary,
        async (content, deltaCuts, byteCuts, format) => {
          const { collected } = await run('stop', content, deltaCuts, byteCuts, scanner, format);
          const banned = scanner.scan(content, true).ranges.length > 0;
          assert.ok(content.startsWith(collected.text), 'releases a prefix of the answer');
          assert.deepEqual(scanner.scan(collected.text, true).ranges, [], 'releases nothing banned');
          if (banned) {
            assert.deepEqual(collected.finishReasons, ['content_filter']);
            assert.equal(collected.errors.length, 1);
            assert.equal((collected.errors[0] as { code: string }).code, 'content_filter');
            assert.equal(collected.done, false);
          } else {
            assert.equal(collected.text, content);
            assert.deepEqual(collected.finishReasons, ['stop']);
            assert.equal(collected.done, true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('passes untouched events through byte for byte', async () => {
    const stream = `${chunkEvent({ index: 0, delta: { content: 'hello ' }, finish_reason: null })}: comment\n\ndata: [DONE]\n\n`;
    const transform = filterEventStream(wordsOnly, 'mask', () => {});
    const output: Buffer[] = [];
    for await (const chunk of transform(chunked(Buffer.from(stream), []))) output.push(Buffer.from(chunk));
    assert.equal(Buffer.concat(output).toString(), stream);
  });

  it('reports the first match once, with the rule names', async () => {
    const { matches } = await run('mask', 'a badword, 违禁词 and 123456', [3, 9], [17]);
    assert.deepEqual(matches, [['words']]);
  });

  it('flushes held completions text in an extra text_completion chunk before [DONE]', async () => {
    const stream = `${textEvent('ends with bad', null)}data: [DONE]\n\n`;
    const transform = filterEventStream(wordsOnly, 'mask', () => {});
    let text = '';
    for await (const chunk of transform(chunked(Buffer.from(stream), [])))
      text += Buffer.from(chunk).toString();
    const events = text.split('\n\n').filter((event) => event.startsWith('data: {'));
    const chunks = events.map(
      (event) => JSON.parse(event.slice(6)) as { object: string; choices: Array<{ text: string }> },
    );
    assert.deepEqual(
      chunks.map((chunk) => [chunk.object, chunk.choices[0]?.text]),
      [
        ['text_completion', 'ends with '],
        ['text_completion', 'bad'],
      ],
    );
    assert.ok(text.endsWith('data: [DONE]\n\n'));
  });

  it('flushes held text in an extra chunk when the stream ends without a finish event', async () => {
    const stream = `${chunkEvent({ index: 0, delta: { content: 'ends with bad' }, finish_reason: null })}data: [DONE]\n\n`;
    const transform = filterEventStream(wordsOnly, 'mask', () => {});
    let text = '';
    for await (const chunk of transform(chunked(Buffer.from(stream), [])))
      text += Buffer.from(chunk).toString();
    const contents = [...text.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]);
    assert.deepEqual(contents, ['ends with ', 'bad']);
    assert.ok(text.endsWith('data: [DONE]\n\n'));
  });
});
