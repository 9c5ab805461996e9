import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { filterAnswer } from './answer-filter.js';
import { createContentScanner } from './content-scanner.js';
import { foldCodePoint, isInvisible } from './fold.js';
import { maskRanges, visibleCharacters } from './mask-ranges.js';
import { filterRequestBody } from './request-filter.js';
import { deltas } from './test-split-streams.js';
import { TextStreamFilter } from './text-stream-filter.js';

const scanner = createContentScanner({ words: ['badword', '违禁词'], rules: [] });
const masked = (text: string) => maskRanges(text, scanner.scan(text, true).ranges);

// Every code point the fold removes, found by asking the fold itself about each one.
const removedByFold: number[] = [];
for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
  if (foldCodePoint(codePoint) === '') removedByFold.push(codePoint);
}
const invisibles = removedByFold.map((codePoint) => String.fromCodePoint(codePoint));

describe('invisible characters', () => {
  it('are exactly what the fold removes: joiners, spaces, soft hyphen, BOM, bidi marks, variation selectors, tags', () => {
    for (const codePoint of [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x034f, 0x200e, 0x202e])
      assert.ok(removedByFold.includes(codePoint), codePoint.toString(16));
    for (const codePoint of [0xfe00, 0xfe0f, 0xe0100, 0xe01ef, 0xe0001, 0xe0041, 0x3164])
      assert.ok(removedByFold.includes(codePoint), codePoint.toString(16));
    assert.ok(removedByFold.every((codePoint) => isInvisible(codePoint)));
    let flagged = 0;
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) if (isInvisible(codePoint)) flagged++;
    assert.equal(flagged, removedByFold.length);
    assert.ok(!isInvisible(0x61) && !isInvisible(0x8fdd) && !isInvisible(0x1f600));
  });
});

describe('maskRanges: one * per character the reader sees', () => {
  it('does not count zero-width characters inside a match, and drops them', () => {
    assert.equal(masked('bad\u200Dword'), '*******');
    assert.equal(masked('b\u200Ba\u200Bd\u200Bw\u200Bo\u200Br\u200Bd'), '*******');
    assert.equal(masked('say 违\u2060禁\uFEFF词 now'), 'say *** now');
    assert.equal(masked('bad\u00ADwo\uFE0Frd!'), '*******!');
    assert.equal(masked('bad\u{E0062}word'), '*******');
  });
  it('keeps invisible characters outside a match as they are', () => {
    assert.equal(masked('\u200Bbadword\u200D.'), '\u200B*******\u200D.');
  });
  it('counts user-perceived characters: combining marks, emoji sequences, Thai and Devanagari clusters', () => {
    const words = ['cafe\u0301', 'ok👍🏽', 'a👨\u200D👩\u200D👧', 'ที่นี่', 'नमस्ते'];
    const graphemeScanner = createContentScanner({ words, rules: [] });
    const mask = (text: string) => maskRanges(text, graphemeScanner.scan(text, true).ranges);
    assert.equal(mask('[cafe\u0301]'), '[****]');
    assert.equal(mask('[ok👍🏽]'), '[***]');
    assert.equal(mask('[a👨\u200D👩\u200D👧]'), '[**]');
    assert.equal(mask('[ที่นี่]'), '[**]');
    assert.equal(mask('[नमस्ते]'), '[***]');
    assert.equal(visibleCharacters('\u200B\u200D', 0, 2), 0);
  });
  it('applies to the request mask action', () => {
    const body = {
      model: 'badword',
      messages: [{ role: 'user', content: 'a bad\u200Dword, 违\u200B禁\u200C词' }],
    };
    const outcome = filterRequestBody(body, scanner, 'mask');
    assert.equal(outcome.masked, true);
    assert.equal(body.messages[0]?.content, 'a *******, ***');
    assert.equal(body.model, 'badword');
  });
  it('cuts a straddling match of a stream between characters, not inside one', () => {
    // 'xae\u0301' matches; '\u0301cd' could still follow, so the release point falls inside 'é'.
    const straddle = createContentScanner({ words: ['xae\u0301', '\u0301cd'], rules: [] });
    const filter = new TextStreamFilter(straddle, 'mask');
    const first = filter.push('xae\u0301c', false);
    const second = filter.push('z', true);
    assert.equal(first.text + second.text, '***cz');
    assert.equal(maskRanges('xae\u0301cz', straddle.scan('xae\u0301cz', true).ranges), '***cz');
  });
});

describe('visibleCharacters (property)', () => {
  it('agrees with Intl.Segmenter and the fold on any mix of letters, marks, emoji and invisible characters', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const oracle = (text: string) =>
      Array.from(segmenter.segment(text)).filter(({ segment }) =>
        Array.from(segment).some((character) => foldCodePoint(character.codePointAt(0) as number) !== ''),
      ).length;
    const alphabet = fc.oneof(
      fc.integer({ min: 0x20, max: 0x52f }),
      fc.integer({ min: 0x3000, max: 0x30ff }),
      fc.integer({ min: 0x4e00, max: 0x4e10 }),
      fc.integer({ min: 0xac00, max: 0xac10 }),
      fc.integer({ min: 0x1100, max: 0x11ff }),
      fc.integer({ min: 0xff00, max: 0xff65 }),
      fc.constantFrom(0xa9, 0xae, 0x1f600, 0x1f44d, 0x1f3fd, 0x1f1e8, 0x1f1f3, 0x0e17, 0x0e35, 0x0e48),
      fc.constantFrom(...removedByFold.slice(0, 64), 0xe0041, 0xe0100),
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }), (codes) => {
        const text = String.fromCodePoint(...codes);
        assert.equal(visibleCharacters(text, 0, text.length), oracle(text));
      }),
      { numRuns: 2000 },
    );
  });
});

// Property: a listed word disguised with random invisible characters between its characters.
const characters = [
  'b',
  'a',
  'd',
  'W',
  'Ｄ',
  '违',
  '禁',
  '词',
  'é',
  'e\u0301',
  'ﬁ',
  '가',
  '😀',
  '👍🏽',
  'ที่',
  'स्ते',
];
const startsWithEmoji = (character: string) => /^\p{Extended_Pictographic}/u.test(character);
const surrounding = fc
  .array(fc.constantFrom('1', ' ', '。', ', ', '\n', '\u200B', '\u2060'), { maxLength: 4 })
  .map((parts) => parts.join(''));
const invisibleRun = fc.array(fc.constantFrom(...invisibles), { maxLength: 3 });

const disguisedWord = fc
  .record({
    word: fc.array(fc.constantFrom(...characters), { minLength: 1, maxLength: 6 }),
    gaps: fc.array(invisibleRun, { minLength: 6, maxLength: 6 }),
    lead: invisibleRun,
    trail: invisibleRun,
    before: surrounding,
    after: surrounding,
  })
  .map(({ word, gaps, lead, trail, before, after }) => {
    let disguised = word[0] as string;
    for (let index = 1; index < word.length; index++) {
      const next = word[index] as string;
      // A joiner between two emoji makes one emoji sequence: one character, not two.
      const gap = (gaps[index - 1] as string[]).filter(
        (invisible) => invisible !== '\u200D' || !startsWithEmoji(next),
      );
      disguised += gap.join('') + next;
    }
    const edges = { lead: lead.join(''), trail: trail.join('') };
    return {
      word: word.join(''),
      visible: word.length,
      text: `${before}${edges.lead}${disguised}${edges.trail}${after}`,
      expected: `${before}${edges.lead}${'*'.repeat(word.length)}${edges.trail}${after}`,
      maskStart: before.length + edges.lead.length,
    };
  });

/** The masked span has one * per visible character and no invisible character left in it. */
function assertMasked(output: string, sample: { visible: number; expected: string; maskStart: number }) {
  const span = output.slice(sample.maskStart, sample.maskStart + sample.visible);
  assert.equal(span, '*'.repeat(sample.visible));
  assert.equal(output, sample.expected);
}

describe('masking disguised words (property)', () => {
  it('whole text: exactly one * per visible character, no invisible character inside the mask', () => {
    fc.assert(
      fc.property(disguisedWord, (sample) => {
        const wordScanner = createContentScanner({ words: [sample.word], rules: [] });
        assertMasked(maskRanges(sample.text, wordScanner.scan(sample.text, true).ranges), sample);
      }),
      { numRuns: 500 },
    );
  });

  it('streamed text split at every point, and at several: the same stars', () => {
    fc.assert(
      fc.property(disguisedWord, fc.array(fc.nat(), { maxLength: 8 }), (sample, cuts) => {
        const wordScanner = createContentScanner({ words: [sample.word], rules: [] });
        const points = Array.from(sample.text);
        for (let cut = 0; cut <= points.length; cut++) {
          const filter = new TextStreamFilter(wordScanner, 'mask');
          const first = filter.push(points.slice(0, cut).join(''), false).text;
          assertMasked(first + filter.push(points.slice(cut).join(''), true).text, sample);
        }
        const filter = new TextStreamFilter(wordScanner, 'mask');
        const pieces = deltas(sample.text, cuts);
        let output = '';
        pieces.forEach((piece, index) => {
          output += filter.push(piece, index === pieces.length - 1).text;
        });
        assertMasked(output, sample);
      }),
      { numRuns: 300 },
    );
  });

  it('whole answers: the same stars in the JSON the client gets', async () => {
    await fc.assert(
      fc.asyncProperty(disguisedWord, async (sample) => {
        const wordScanner = createContentScanner({ words: [sample.word], rules: [] });
        const answer = { choices: [{ index: 0, message: { role: 'assistant', content: sample.text } }] };
        async function* body() {
          yield new TextEncoder().encode(JSON.stringify(answer));
        }
        let json = '';
        for await (const chunk of filterAnswer(wordScanner, 'mask', () => {})(body()))
          json += Buffer.from(chunk).toString('utf8');
        const parsed = JSON.parse(json) as { choices: Array<{ message: { content: string } }> };
        assertMasked(parsed.choices[0]?.message.content as string, sample);
      }),
      { numRuns: 200 },
    );
  });
});
