import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { truncateUtf8, utf8Length } from './utf8-truncate.js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const boundaries = (text: string) =>
  new Set([...graphemes.segment(text)].map((s) => s.index).concat(text.length));

// Text mixing ASCII, CJK, 4-byte emoji, skin-tone modifiers, ZWJ sequences and flags.
const pieces = fc.constantFrom(
  'a',
  'Z',
  ' ',
  '\n',
  'é',
  'e\u0301',
  '告',
  '警',
  '上游',
  '😀',
  '👍🏽',
  '👨‍👩‍👧',
  '🇨🇳',
  '🏳️‍🌈',
  '\u{10348}',
);
const mixedText = fc
  .array(fc.oneof(pieces, fc.string({ unit: 'binary-ascii' })), { maxLength: 60 })
  .map((parts) => parts.join(''));
const anyText = fc.oneof(mixedText, fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));

describe('truncateUtf8', () => {
  it('never exceeds the byte budget and cuts only at a grapheme boundary', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom('…', '', '...'),
        (text, max, ellipsis) => {
          const cut = truncateUtf8(text, max, ellipsis);
          assert.ok(utf8Length(cut) <= max, `${utf8Length(cut)} > ${max}`);
          if (utf8Length(text) <= max) {
            assert.equal(cut, text);
            return;
          }
          const kept = cut.endsWith(ellipsis) ? cut.slice(0, cut.length - ellipsis.length) : cut;
          assert.ok(text.startsWith(kept), 'the kept part is a prefix of the input');
          assert.ok(boundaries(text).has(kept.length), 'the cut is at a grapheme boundary');
          // No surrogate pair is split: the wire never gets half a character.
          const splitsPair =
            /[\uD800-\uDBFF]$/.test(kept) && /^[\uDC00-\uDFFF]/.test(text.slice(kept.length));
          assert.ok(!splitsPair, 'a surrogate pair is kept whole');
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('keeps as much as fits: the next grapheme would not have', () => {
    fc.assert(
      fc.property(mixedText, fc.integer({ min: 4, max: 200 }), (text, max) => {
        const cut = truncateUtf8(text, max);
        if (cut === text) return;
        const kept = cut.slice(0, -1);
        const next = [...graphemes.segment(text.slice(kept.length))][0]?.segment ?? '';
        assert.ok(utf8Length(kept) + utf8Length(next) + utf8Length('…') > max);
      }),
    );
  });

  it('cuts CJK and emoji whole', () => {
    assert.equal(truncateUtf8('告警：上游超时', 10), '告警…');
    assert.equal(truncateUtf8('告警：上游超时', 11), '告警…');
    assert.equal(truncateUtf8('告警：上游超时', 12), '告警：…');
    assert.equal(truncateUtf8('ok 👍🏽 fine', 11, ''), 'ok 👍🏽');
    assert.equal(truncateUtf8('ok 👍🏽 fine', 10, ''), 'ok '); // the emoji and its modifier are 8 bytes
    assert.equal(truncateUtf8('👨‍👩‍👧👨‍👩‍👧', 18, ''), '👨‍👩‍👧');
    assert.equal(truncateUtf8('👨‍👩‍👧', 17, ''), '');
    assert.equal(truncateUtf8('abc', 2), 'ab'); // no room for the 3-byte ellipsis
    assert.equal(truncateUtf8('abc', 0), '');
  });
});
