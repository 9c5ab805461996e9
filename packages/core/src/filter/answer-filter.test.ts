import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { filterAnswer } from './answer-filter.js';
import { createContentScanner } from './content-scanner.js';
import { maskRanges } from './mask-ranges.js';
import { chunked, contentArbitrary } from './test-split-streams.js';
import type { AnswerAction } from './text-stream-filter.js';

const scanner = createContentScanner({ words: ['badword', '违禁词', 'secret plan', 'ab'], rules: [] });

async function filtered(action: AnswerAction, answer: unknown, byteCuts: number[] = []) {
  const matches: string[][] = [];
  const transform = filterAnswer(scanner, action, (_, matched) => matches.push([...matched]));
  const output: Buffer[] = [];
  const bytes = Buffer.from(JSON.stringify(answer));
  for await (const chunk of transform(chunked(bytes, byteCuts))) output.push(Buffer.from(chunk));
  return { answer: JSON.parse(Buffer.concat(output).toString('utf8')) as Record<string, unknown>, matches };
}

const completion = (text: string) => ({
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1,
  model: 'm',
  choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }],
});

const message = (id: string, texts: string[]) => ({
  type: 'message',
  id,
  status: 'completed',
  role: 'assistant',
  content: texts.map((text) => ({ type: 'output_text', text, annotations: [] })),
});
const response = (...output: unknown[]) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1,
  model: 'm',
  status: 'completed',
  incomplete_details: null,
  output,
});

describe('filterAnswer: completions and the Responses API', () => {
  it('masks choices[].text and every output_text part, however the bytes are split (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        contentArbitrary,
        contentArbitrary,
        fc.array(fc.nat(), { maxLength: 20 }),
        async (first, second, byteCuts) => {
          const mask = (text: string) => maskRanges(text, scanner.scan(text, true).ranges);
          const text = await filtered('mask', completion(first), byteCuts);
          assert.deepEqual(text.answer, completion(mask(first)));
          const whole = await filtered(
            'mask',
            response(message('msg_1', [first, second]), { type: 'reasoning', id: 'rs_1', summary: [] }),
            byteCuts,
          );
          assert.deepEqual(
            whole.answer,
            response(message('msg_1', [mask(first), mask(second)]), {
              type: 'reasoning',
              id: 'rs_1',
              summary: [],
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops a completion at the first match with finish_reason content_filter', async () => {
    const { answer, matches } = await filtered('stop', completion('fine, then 违禁词 and more'));
    assert.deepEqual(answer.choices, [
      { text: 'fine, then ', index: 0, logprobs: null, finish_reason: 'content_filter' },
    ]);
    assert.deepEqual(matches, [['words']]);
  });

  it('stops a Responses answer: output ends at the cut part, status incomplete, reason content_filter', async () => {
    const { answer } = await filtered(
      'stop',
      response(message('msg_1', ['clean', 'then a badword', 'later']), message('msg_2', ['more'])),
    );
    assert.equal(answer.status, 'incomplete');
    assert.deepEqual(answer.incomplete_details, { reason: 'content_filter' });
    assert.deepEqual(answer.output, [{ ...message('msg_1', ['clean', 'then a ']), status: 'incomplete' }]);
  });

  it('sends a clean or unknown answer on unchanged, byte for byte', async () => {
    for (const body of [
      JSON.stringify(response(message('msg_1', ['all fine']))),
      '{"data":[{"embedding":[0.1]}]}',
      'not json',
    ]) {
      const transform = filterAnswer(scanner, 'mask', () => assert.fail('no match expected'));
      const output: Buffer[] = [];
      for await (const chunk of transform(chunked(Buffer.from(body), [3]))) output.push(Buffer.from(chunk));
      assert.equal(Buffer.concat(output).toString(), body);
    }
  });
});
