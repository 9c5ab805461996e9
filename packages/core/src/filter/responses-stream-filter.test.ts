import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import OpenAI from 'openai';
import { type ContentScanner, createContentScanner } from './content-scanner.js';
import { maskRanges } from './mask-ranges.js';
import { filterResponsesStream } from './responses-stream-filter.js';
import { chunked, contentArbitrary, deltas, visibleOnly } from './test-split-streams.js';
import type { AnswerAction } from './text-stream-filter.js';

const scanner = createContentScanner({
  words: ['badword', '违禁词', 'secret plan', 'ab'],
  rules: [{ name: 'digits', pattern: '\\d{6}', flags: 'u', maxLength: 6 }],
});
const wordsOnly = createContentScanner({ words: ['badword', '违禁词', 'secret plan', 'ab'], rules: [] });

const event = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

const base = { id: 'resp_1', object: 'response', created_at: 1, model: 'm' };
const textPart = (text: string) => ({ type: 'output_text', text, annotations: [] });
const message = (text: string, status: string) => ({
  type: 'message',
  id: 'msg_1',
  status,
  role: 'assistant',
  content: [textPart(text)],
});

/** A full Responses stream, as OpenAI sends it: every event that repeats the text included. */
function responsesStream(content: string, deltaCuts: number[]): string {
  let sequence = 0;
  const at = { item_id: 'msg_1', output_index: 0, content_index: 0 };
  let stream = event('response.created', {
    sequence_number: sequence++,
    response: { ...base, status: 'in_progress', output: [], usage: null },
  });
  stream += event('response.output_item.added', {
    sequence_number: sequence++,
    output_index: 0,
    item: { ...message('', 'in_progress'), content: [] },
  });
  stream += event('response.content_part.added', { sequence_number: sequence++, ...at, part: textPart('') });
  for (const delta of deltas(content, deltaCuts))
    stream += event('response.output_text.delta', { sequence_number: sequence++, ...at, delta });
  stream += event('response.output_text.done', { sequence_number: sequence++, ...at, text: content });
  stream += event('response.content_part.done', {
    sequence_number: sequence++,
    ...at,
    part: textPart(content),
  });
  stream += event('response.output_item.done', {
    sequence_number: sequence++,
    output_index: 0,
    item: message(content, 'completed'),
  });
  stream += event('response.completed', {
    sequence_number: sequence++,
    response: { ...base, status: 'completed', output: [message(content, 'completed')], usage: null },
  });
  return stream;
}

interface Parsed {
  type: string;
  delta?: string;
  text?: string;
  part?: { text: string };
  item?: { content: Array<{ text: string }> };
  response?: {
    status: string;
    incomplete_details?: { reason: string };
    output: Array<{ content: Array<{ text: string }> }>;
  };
  code?: string;
  error?: { code: string };
}

async function run(
  action: AnswerAction,
  stream: string,
  byteCuts: number[],
  filterScanner: ContentScanner = scanner,
) {
  const matches: string[][] = [];
  const transform = filterResponsesStream(filterScanner, action, (_, matched) => matches.push([...matched]));
  const output: Buffer[] = [];
  for await (const chunk of transform(chunked(Buffer.from(stream), byteCuts)))
    output.push(Buffer.from(chunk));
  const events: Parsed[] = [];
  for (const raw of Buffer.concat(output).toString('utf8').split('\n\n')) {
    if (raw.length === 0) continue;
    const [name, data] = raw.split('\n');
    const parsed = JSON.parse((data as string).slice(6)) as Parsed;
    assert.equal(name, `event: ${parsed.type}`, 'every event keeps its event line');
    events.push(parsed);
  }
  const text = events
    .filter((parsed) => parsed.type === 'response.output_text.delta')
    .map((parsed) => parsed.delta)
    .join('');
  return { events, text, matches };
}

/** Every text the summary events repeat. */
function summaryTexts(events: readonly Parsed[]): string[] {
  const texts: string[] = [];
  for (const parsed of events) {
    if (parsed.type === 'response.output_text.done') texts.push(parsed.text as string);
    if (parsed.type === 'response.content_part.done') texts.push(parsed.part?.text as string);
    if (parsed.type === 'response.output_item.done') texts.push(parsed.item?.content[0]?.text as string);
    if (parsed.type === 'response.completed')
      texts.push(parsed.response?.output[0]?.content[0]?.text as string);
  }
  return texts;
}

/** The client's own fetch type (its Response type is not the global one). */
type ClientFetch = NonNullable<NonNullable<ConstructorParameters<typeof OpenAI>[0]>['fetch']>;

const splits = [
  contentArbitrary,
  fc.array(fc.nat(), { maxLength: 12 }),
  fc.array(fc.nat(), { maxLength: 60 }),
] as const;

describe('filterResponsesStream', () => {
  it('masks deltas however they are split, and every summary event repeats exactly the masked text (property)', async () => {
    await fc.assert(
      fc.asyncProperty(...splits, async (content, deltaCuts, byteCuts) => {
        const stream = responsesStream(content, deltaCuts);
        const { events, text } = await run('mask', stream, byteCuts, wordsOnly);
        assert.equal(text, maskRanges(content, wordsOnly.scan(content, true).ranges));
        assert.deepEqual(summaryTexts(events), [text, text, text, text]);
        assert.equal(events.at(-1)?.type, 'response.completed');

        // With regex rules a stream masks a superset of a single pass; summaries still agree.
        const withRules = await run('mask', stream, byteCuts);
        const whole = visibleOnly(maskRanges(content, scanner.scan(content, true).ranges));
        const streamed = visibleOnly(withRules.text);
        assert.equal(streamed.length, visibleOnly(content).length);
        streamed.forEach((character, index) => {
          if (whole[index] === '*') assert.equal(character, '*');
        });
        assert.deepEqual(summaryTexts(withRules.events), [
          withRules.text,
          withRules.text,
          withRules.text,
          withRules.text,
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('stops at the first banned word: response.incomplete with reason content_filter, then an error event (property)', async () => {
    await fc.assert(
      fc.asyncProperty(...splits, async (content, deltaCuts, byteCuts) => {
        const { events, text } = await run('stop', responsesStream(content, deltaCuts), byteCuts);
        assert.ok(content.startsWith(text), 'releases a prefix of the answer');
        assert.deepEqual(scanner.scan(text, true).ranges, [], 'releases nothing banned');
        for (const summary of summaryTexts(events)) assert.deepEqual(scanner.scan(summary, true).ranges, []);
        if (scanner.scan(content, true).ranges.length === 0) {
          assert.equal(text, content);
          assert.equal(events.at(-1)?.type, 'response.completed');
          return;
        }
        const [incomplete, error] = events.slice(-2);
        assert.equal(incomplete?.type, 'response.incomplete');
        assert.equal(incomplete?.response?.status, 'incomplete');
        assert.deepEqual(incomplete?.response?.incomplete_details, { reason: 'content_filter' });
        assert.equal(incomplete?.response?.output[0]?.content[0]?.text ?? '', text);
        assert.equal(error?.type, 'error');
        assert.equal(error?.code, 'content_filter');
        assert.equal(error?.error?.code, 'content_filter');
        assert.ok(!events.some((parsed) => parsed.type === 'response.completed'));
      }),
      { numRuns: 300 },
    );
  });

  it('filters the text of a stream that repeats it only in summaries (no deltas)', async () => {
    const stream = event('response.completed', {
      sequence_number: 0,
      response: { ...base, status: 'completed', output: [message('say badword now', 'completed')] },
    });
    const { events } = await run('mask', stream, []);
    assert.deepEqual(summaryTexts(events), ['say ******* now']);
  });

  it('releases held text as an extra delta before response.completed when no done event came', async () => {
    let stream = event('response.output_text.delta', {
      sequence_number: 1,
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: 'ends with bad',
    });
    stream += event('response.completed', {
      sequence_number: 2,
      response: { ...base, status: 'completed', output: [message('ends with bad', 'completed')] },
    });
    const { events } = await run('mask', stream, [], wordsOnly);
    assert.deepEqual(
      events.map((parsed) => [parsed.type, parsed.delta]),
      [
        ['response.output_text.delta', 'ends with '],
        ['response.output_text.delta', 'bad'],
        ['response.completed', undefined],
      ],
    );
  });

  it('passes untouched events through byte for byte and reports the first match once', async () => {
    const clean = `${responsesStream('hello there', [3])}: comment\n\n`;
    const transform = filterResponsesStream(wordsOnly, 'mask', () => assert.fail('no match expected'));
    const output: Buffer[] = [];
    for await (const chunk of transform(chunked(Buffer.from(clean), [7, 100])))
      output.push(Buffer.from(chunk));
    assert.equal(Buffer.concat(output).toString(), clean);
    const { matches } = await run('mask', responsesStream('a badword, 违禁词 and 123456', [3, 9]), [17]);
    assert.deepEqual(matches, [['words']]);
  });

  it("feeds the official client's stream helper: masked final answer; a stop raises content_filter", async () => {
    // The filter's output served as the HTTP answer, so the client parses exactly what Ferry sends.
    const clientOver = (action: AnswerAction) =>
      new OpenAI({
        apiKey: 'unused',
        maxRetries: 0,
        fetch: (async () => {
          const transform = filterResponsesStream(wordsOnly, action, () => {});
          const body = transform(
            chunked(Buffer.from(responsesStream('one badword, 违禁词 end', [2, 5, 8])), [11, 13]),
          );
          const iterator = body[Symbol.asyncIterator]();
          const stream = new ReadableStream<Uint8Array>({
            async pull(controller) {
              const next = await iterator.next();
              if (next.done) controller.close();
              else controller.enqueue(next.value);
            },
          });
          return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
        }) as unknown as ClientFetch,
      });
    const helper = clientOver('mask').responses.stream({ model: 'm', input: 'hi' });
    let text = '';
    for await (const streamed of helper)
      if (streamed.type === 'response.output_text.delta') text += streamed.delta;
    const final = await helper.finalResponse();
    const part = final.output[0]?.type === 'message' ? final.output[0].content[0] : undefined;
    assert.equal(text, 'one *******, *** end');
    assert.equal(part?.type === 'output_text' ? part.text : undefined, text);
    await assert.rejects(
      clientOver('stop').responses.stream({ model: 'm', input: 'hi' }).finalResponse(),
      (error: unknown) => error instanceof OpenAI.APIError && error.code === 'content_filter',
    );
  });
});
